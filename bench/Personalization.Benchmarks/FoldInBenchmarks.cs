using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using System.Numerics.Tensors;
using Personalization.Recommender;

namespace Personalization.Benchmarks;

/// <summary>
/// Fold-in of one user (the nearline path a user grain runs after every event): <see cref="FoldIn.Solve(ReadOnlySpan{float}, int, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{float}, float, float, Span{float})"/>
/// for a profile of n items against a 20,000-item N(0, 0.1²) factor matrix with its precomputed Gram.
/// </summary>
/// <remarks>
/// The baseline executes the nominal work of a solve, n·k² + k³/3 multiply-adds (n rank-1 updates of a k×k
/// matrix plus a Cholesky), as plain full-row <see cref="TensorPrimitives.MultiplyAdd(ReadOnlySpan{double}, double, ReadOnlySpan{double}, Span{double})"/>
/// passes over a k×k double matrix: the FLOP count run by a straightforward vectorized kernel.
/// The GFLOP/s column is 2·(n·k² + k³/3) / mean for both rows.
/// </remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[Config(typeof(Config))]
public class FoldInBenchmarks
{
    /// <summary>Items in the factor matrix.</summary>
    public const int CatalogItems = 20_000;

    private const float Alpha = 10f, Regularization = 0.1f; // TrainingOptions defaults

    private float[] _factors = [];
    private double[] _gram = [];
    private int[] _items = [];
    private float[] _weights = [];
    private float[] _result = [];
    private double[] _matrix = [];
    private double[] _row = [];

    /// <summary>Factors.</summary>
    [Params(32, 64)]
    public int K { get; set; }

    /// <summary>Items in the user's profile.</summary>
    [Params(10, 100, 1000)]
    public int ProfileSize { get; set; }

    /// <summary>Nominal multiply-adds of one solve: n·k² + k³/3.</summary>
    public static double NominalMultiplyAdds(int n, int k) => (double)n * k * k + (double)k * k * k / 3;

    /// <summary>Builds the factors, Gram matrix and profile.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _factors = BenchmarkData.RandomFactors(CatalogItems, K, sigma: 0.1, seed: 42);
        _gram = GramMatrix.Compute(_factors, CatalogItems, K);
        _items = BenchmarkData.DistinctRows(CatalogItems, ProfileSize, seed: 7);
        _weights = Enumerable.Repeat(1f, ProfileSize).ToArray(); // one play each: confidence 1 + α
        _result = new float[K];
        _matrix = new double[K * K];
        _row = new double[K];
    }

    /// <summary>The nominal FLOP count run as plain vectorized rank-1 passes (full rows, no symmetry).</summary>
    [Benchmark(Baseline = true, Description = "Nominal FLOPs, plain kernel")]
    public double NominalFlops()
    {
        int k = K;
        _gram.CopyTo(_matrix, 0);
        var a = _matrix.AsSpan();
        var y = _row.AsSpan();
        for (int i = 0; i < _items.Length; i++)
        {
            var source = _factors.AsSpan(_items[i] * k, k);
            for (int d = 0; d < k; d++) y[d] = source[d];
            RankOne(a, k, y, Alpha * _weights[i]);
        }
        // k³/3 multiply-adds stand in for the Cholesky factorization: k/3 more rank-1 passes.
        for (int pass = 0; pass < k / 3; pass++)
            RankOne(a, k, y, 1e-9);
        return a[k * k - 1];
    }

    private static void RankOne(Span<double> a, int k, ReadOnlySpan<double> y, double scale)
    {
        for (int r = 0; r < k; r++)
        {
            var row = a.Slice(r * k, k);
            TensorPrimitives.MultiplyAdd(y, scale * y[r], row, row);
        }
    }

    /// <summary>The fold-in solve.</summary>
    [Benchmark(Description = "FoldIn.Solve")]
    public float Solve()
    {
        FoldIn.Solve(_factors, K, _gram, _items, _weights, Alpha, Regularization, _result);
        return _result[0];
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // The median resists the odd iteration disturbed by other work on a small shared machine.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);
            static double Work(BenchmarkCase c) =>
                NominalMultiplyAdds(WorkColumn.Parameter(c, nameof(ProfileSize)), WorkColumn.Parameter(c, nameof(K)));
            AddColumn(new WorkColumn("Nominal MAdds", "n·k² + k³/3 multiply-adds per solve", Work, WorkDisplay.Count));
            AddColumn(new WorkColumn("GFLOP/s", "2·(n·k² + k³/3) / mean: nominal FLOPs per second, in billions", c => 2 * Work(c), WorkDisplay.Rate));
        }
    }
}
