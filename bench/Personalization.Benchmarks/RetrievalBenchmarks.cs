using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using Personalization.Recommender;

namespace Personalization.Benchmarks;

/// <summary>
/// Top-20 retrieval for one user over N items × 64 float32 factors (N(0, 0.1²)): the exact full scan
/// (<see cref="Scoring.ScoreAll"/> + <see cref="TopK.Select"/>, the baseline) against <see cref="QuantizedItemIndex.Search"/>
/// (int8 scan, then exact re-score of the best candidates). Recall of the latter is measured by
/// <see cref="RetrievalRecall"/> (<c>-- recall</c>), not here.
/// </summary>
/// <remarks>Each call takes the next of 16 users, so the candidate heap does not see the same scores every time.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[Config(typeof(Config))]
public class RetrievalBenchmarks
{
    /// <summary>Factors per item.</summary>
    public const int K = 64;

    /// <summary>Items returned.</summary>
    public const int TopCount = 20;

    private const int UserCount = 16;

    private float[] _factors = [];
    private float[] _users = [];
    private float[] _scores = [];
    private QuantizedItemIndex? _index;
    private readonly int[] _indices = new int[TopCount];
    private readonly float[] _topScores = new float[TopCount];
    private int _next;
    private const int PoolCandidates = 264;
    private readonly int[] _poolIndices = new int[200];
    private readonly float[] _poolScores = new float[200];
    private int[] _excluded = [];

    /// <summary>Catalog size.</summary>
    [Params(20_000, 1_000_000)]
    public int Items { get; set; }

    /// <summary>Builds the item factors, their int8 index and the users.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _factors = BenchmarkData.RandomFactors(Items, K, sigma: 0.1, seed: 42);
        _users = BenchmarkData.RandomFactors(UserCount, K, sigma: 0.1, seed: 43);
        _scores = new float[Items];
        _index = new QuantizedItemIndex(_factors, K);
        var random = new Random(44);
        _excluded = [.. Enumerable.Range(0, 40).Select(_ => random.Next(Items)).Order()];
    }

    private ReadOnlySpan<float> NextUser()
    {
        int u = _next++ % UserCount;
        return _users.AsSpan(u * K, K);
    }

    /// <summary>Exact: score every item in float32, then select the top 20.</summary>
    [Benchmark(Baseline = true, Description = "Exact: ScoreAll + TopK.Select(20)")]
    public int Exact()
    {
        Scoring.ScoreAll(_factors, K, NextUser(), _scores);
        return TopK.Select(_scores, _indices, _topScores);
    }

    /// <summary>int8 scan keeping the default max(4·20, 20 + 64) = 84 candidates, exact re-score, top 20.</summary>
    [Benchmark(Description = "QuantizedItemIndex.Search(20)")]
    public int Quantized() => _index!.Search(NextUser(), _indices, _topScores);

    /// <summary>
    /// The same search on the next kernel down from the fastest this machine has (AVX2 beside AVX-VNNI or AVX-512,
    /// the scalar loop beside AVX2): what a machine without the faster instructions pays.
    /// </summary>
    [Benchmark(Description = "QuantizedItemIndex.Search(20), next kernel down")]
    public int QuantizedNextKernel() => _index!.Search(NextUser(), _indices, _topScores, default, 0, NextKernel);

    // Kernels fastest first: the first supported one after the machine's best.
    private static readonly Int8Kernel NextKernel = new[] { Int8Kernel.AvxVnni, Int8Kernel.Avx512, Int8Kernel.Avx2, Int8Kernel.Scalar }
        .SkipWhile(kernel => kernel != Int8BlockScan.Best).Skip(1).Where(Int8BlockScan.IsSupported).DefaultIfEmpty(Int8Kernel.Scalar).First();

    /// <summary>
    /// The serving shape: a reranker's pool of 200 from 264 candidates, 40 watched items excluded, the scan started
    /// from a sampled threshold (<see cref="ThresholdSample"/>).
    /// </summary>
    [Benchmark(Description = "QuantizedItemIndex.Search(pool 200 of 264, 40 excluded)")]
    public int Pool() => _index!.Search(NextUser(), _poolIndices, _poolScores, _excluded, PoolCandidates, Int8BlockScan.Best);

    /// <summary>The same search with the scan started from −∞: what the sampled threshold saves.</summary>
    [Benchmark(Description = "QuantizedItemIndex.Search(pool 200 of 264, 40 excluded), from -inf")]
    public int PoolFromBottom() => _index!.Search(NextUser(), _poolIndices, _poolScores, _excluded, PoolCandidates, Int8BlockScan.Best, sampleThreshold: false);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // The median resists the odd iteration disturbed by other work on a small shared machine.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);
            static double Items(BenchmarkCase c) => WorkColumn.Parameter(c, nameof(RetrievalBenchmarks.Items));
            // Bytes the scan streams: float32 factors (4·k per item) for the exact scan, int8 codes plus a float scale
            // (k + 4 per item) for the index.
            static double Bytes(BenchmarkCase c) =>
                Items(c) * (c.Descriptor.WorkloadMethod.Name == nameof(Exact) ? 4.0 * K : K + 4.0);
            AddColumn(new WorkColumn("ns/item", "mean / items", Items, WorkDisplay.NanosecondsPerUnit));
            AddColumn(new WorkColumn("Scan GB/s", "bytes scanned (exact: items·k·4; int8: items·(k+4)) / mean", Bytes, WorkDisplay.Rate));
        }
    }
}
