using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Personalization.Recommender;

namespace Personalization.Benchmarks;

/// <summary>
/// Ranking the whole catalog for one user: <see cref="Scoring.ScoreAll"/> (SIMD dot product per item) and
/// <see cref="TopK.Select"/> of the best 20, against a naive scalar dot-product loop over the same data.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
[Config(typeof(Config))]
public class ScoringBenchmarks
{
    /// <summary>Factors per item.</summary>
    public const int K = 64;

    /// <summary>Items returned.</summary>
    public const int TopCount = 20;

    private float[] _factors = [];
    private float[] _user = [];
    private float[] _scores = [];
    private readonly int[] _indices = new int[TopCount];
    private readonly float[] _topScores = new float[TopCount];

    /// <summary>Catalog size.</summary>
    [Params(20_000, 1_000_000)]
    public int Items { get; set; }

    /// <summary>Builds the item factors and a user vector.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _factors = BenchmarkData.RandomFactors(Items, K, sigma: 0.1, seed: 42);
        _user = BenchmarkData.RandomFactors(1, K, sigma: 0.1, seed: 43);
        _scores = new float[Items];
    }

    /// <summary>scores[i] = Σ_d item[i,d]·user[d], one scalar multiply-add at a time.</summary>
    [Benchmark(Baseline = true, Description = "Naive scalar dot loop")]
    public float NaiveScalar()
    {
        var factors = _factors;
        var user = _user;
        var scores = _scores;
        for (int i = 0; i < scores.Length; i++)
        {
            float sum = 0f;
            int offset = i * K;
            for (int d = 0; d < K; d++)
                sum += factors[offset + d] * user[d];
            scores[i] = sum;
        }
        return scores[^1];
    }

    /// <summary>The production scoring kernel alone.</summary>
    [Benchmark(Description = "Scoring.ScoreAll")]
    public float ScoreAll()
    {
        Scoring.ScoreAll(_factors, K, _user, _scores);
        return _scores[^1];
    }

    /// <summary>Scoring plus the partial top-20 selection: the core of one recommendations request.</summary>
    [Benchmark(Description = "ScoreAll + TopK.Select(20)")]
    public int ScoreAllTopK()
    {
        Scoring.ScoreAll(_factors, K, _user, _scores);
        return TopK.Select(_scores, _indices, _topScores);
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // The median resists the odd iteration disturbed by other work on a small shared machine.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);
            static double Items(BenchmarkDotNet.Running.BenchmarkCase c) => WorkColumn.Parameter(c, nameof(ScoringBenchmarks.Items));
            AddColumn(new WorkColumn("ns/item", "mean / items", Items, WorkDisplay.NanosecondsPerUnit));
            AddColumn(new WorkColumn("Factor GB/s", "item factor bytes read (items·k·4) / mean", c => 4.0 * K * Items(c), WorkDisplay.Rate));
        }
    }
}
