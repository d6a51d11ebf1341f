using BenchmarkDotNet.Attributes;
using Personalization.Recommender;

namespace Personalization.Benchmarks;

/// <summary>
/// The item side of the nearline path: what an item grain pays per delivery of events to re-solve its live vector
/// (<see cref="ItemFoldIn.Solve"/>) from its n most recent viewers' vectors, beside the user grain's own fold-in
/// (<see cref="FoldIn.Solve(ReadOnlySpan{float}, int, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{float}, float, float, Span{float})"/>)
/// of a profile of the same size, the per-event cost the system already paid before live item vectors.
/// </summary>
/// <remarks>Both solve an n·k² + k³/3 system; the item step also forms the prior's right-hand side (k² more).</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class ItemFoldInBenchmarks
{
    private const float Alpha = 10f, Regularization = 20f; // TrainingOptions defaults

    private float[] _factors = [];
    private double[] _gram = [];
    private int[] _rows = [];
    private float[] _vectors = [];
    private float[] _weights = [];
    private float[] _prior = [];
    private float[] _result = [];

    /// <summary>Factors.</summary>
    [Params(64)]
    public int K { get; set; }

    /// <summary>Viewers the item's vector is solved from (the grain keeps at most LiveItems:MaxUsers = 128).</summary>
    [Params(1, 20, 128)]
    public int Viewers { get; set; }

    /// <summary>Builds the user factors, their Gram matrix and the viewers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _factors = BenchmarkData.RandomFactors(FoldInBenchmarks.CatalogItems, K, sigma: 0.1, seed: 42);
        _gram = GramMatrix.Compute(_factors, FoldInBenchmarks.CatalogItems, K);
        _rows = BenchmarkData.DistinctRows(FoldInBenchmarks.CatalogItems, Viewers, seed: 7);
        _vectors = _rows.SelectMany(r => _factors.AsSpan(r * K, K).ToArray()).ToArray();
        _weights = Enumerable.Repeat(1f, Viewers).ToArray();
        _prior = BenchmarkData.RandomFactors(1, K, sigma: 0.1, seed: 9);
        _result = new float[K];
    }

    /// <summary>A user grain's fold-in of as many items.</summary>
    [Benchmark(Baseline = true, Description = "User fold-in (FoldIn.Solve)")]
    public float UserFoldIn()
    {
        FoldIn.Solve(_factors, K, _gram, _rows, _weights, Alpha, Regularization, _result);
        return _result[0];
    }

    /// <summary>The item grain's live vector.</summary>
    [Benchmark(Description = "Item live vector (ItemFoldIn.Solve)")]
    public float ItemLiveVector()
    {
        ItemFoldIn.Solve(_gram, K, _prior, 1.0, _vectors, _weights, Alpha, Regularization, _result);
        return _result[0];
    }
}
