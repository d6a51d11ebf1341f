using BenchmarkDotNet.Attributes;
using Personalization.Recommender;
using Personalization.Recommender.Models;

namespace Personalization.Benchmarks;

/// <summary>
/// One ranked answer's model work at 20,000 items: the user's code from a profile of n items, every item's score, the
/// top 20. ALS (64 factors: fold-in solve, then <see cref="Scoring.ScoreAll"/>) is the baseline; Mult-VAE (hidden 600,
/// latent 64, random weights: the cost does not depend on their values) encodes with <see cref="MultVaeModel.Encode"/>
/// and scores with its linear decoder; SASRec (two blocks, d = 64, the last min(n, 50) items) encodes the sequence and
/// scores against its item embeddings. The per-event cost of each is the first step alone (the encode and fold-in rows).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 8)]
public class NeuralServingBenchmarks
{
    private const int Items = 20_000, K = 64, Hidden = 600, Top = 20, SasRecLength = 50;

    private float[] _factors = [];
    private double[] _gram = [];
    private MultVaeModel? _vae;
    private SasRecModel? _sasRec;
    private int[] _sequence = [];
    private int[] _profile = [];
    private float[] _values = [];
    private readonly float[] _vector = new float[K];
    private readonly float[] _scores = new float[Items];
    private readonly int[] _top = new int[Top];
    private readonly float[] _topScores = new float[Top];

    /// <summary>Items in the user's profile.</summary>
    [Params(20, 200)]
    public int ProfileSize { get; set; }

    /// <summary>Builds both models and the profile.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _factors = BenchmarkData.RandomFactors(Items, K, sigma: 0.1, seed: 42);
        _gram = GramMatrix.Compute(_factors, Items, K);
        _vae = new MultVaeModel(Items, Hidden, K,
            BenchmarkData.RandomFactors(Items, Hidden, sigma: 0.05, seed: 1), new float[Hidden],
            BenchmarkData.RandomFactors(K, Hidden, sigma: 0.05, seed: 2), new float[K],
            BenchmarkData.RandomFactors(Items, K, sigma: 0.1, seed: 3), new float[Items], new Dictionary<string, double>());
        (float[], float[]) Linear(int seed) => (BenchmarkData.RandomFactors(K, K, sigma: 0.1, seed: seed), new float[K]);
        (float[], float[]) Norm() => (Enumerable.Repeat(1f, K).ToArray(), new float[K]);
        var blocks = Enumerable.Range(0, 2).Select(b => new SasRecBlock(Norm(), Linear(10 + b), Linear(20 + b), Linear(30 + b), Linear(40 + b), Norm(),
            Linear(50 + b), Linear(60 + b))).ToList();
        _sasRec = new SasRecModel(Items, K, SasRecLength, BenchmarkData.RandomFactors(Items + 1, K, sigma: 0.1, seed: 4),
            BenchmarkData.RandomFactors(SasRecLength, K, sigma: 0.1, seed: 5), blocks, Norm(), new Dictionary<string, double>());
        _profile = BenchmarkData.DistinctRows(Items, ProfileSize, seed: 7);
        _sequence = _profile[Math.Max(0, ProfileSize - SasRecLength)..];
        Array.Sort(_profile);
        _values = Enumerable.Repeat(1f, ProfileSize).ToArray();
    }

    /// <summary>ALS: fold-in of the profile (64 factors, α 10, λ 20).</summary>
    [Benchmark(Baseline = true, Description = "ALS fold-in (per event)")]
    public float AlsFoldIn()
    {
        FoldIn.Solve(_factors, K, _gram, _profile, _values, 10f, 20f, _vector);
        return _vector[0];
    }

    /// <summary>Mult-VAE: encoding the profile.</summary>
    [Benchmark(Description = "Mult-VAE encode (per event)")]
    public float VaeEncode()
    {
        _vae!.Encode(_profile, _values, _vector);
        return _vector[0];
    }

    /// <summary>SASRec: the state after the user's last min(n, 50) items (two blocks, d = 64).</summary>
    [Benchmark(Description = "SASRec encode (per event)")]
    public float SasRecEncode()
    {
        _sasRec!.Encode(_sequence, _vector);
        return _vector[0];
    }

    /// <summary>ALS: fold-in, score every item, top 20.</summary>
    [Benchmark(Description = "ALS answer (fold-in + score + top 20)")]
    public int AlsAnswer()
    {
        FoldIn.Solve(_factors, K, _gram, _profile, _values, 10f, 20f, _vector);
        Scoring.ScoreAll(_factors, K, _vector, _scores);
        return TopK.Select(_scores, _top, _topScores);
    }

    /// <summary>SASRec: encode, score every item against the shared embeddings, top 20.</summary>
    [Benchmark(Description = "SASRec answer (encode + score + top 20)")]
    public int SasRecAnswer()
    {
        _sasRec!.Encode(_sequence, _vector);
        Scoring.ScoreAll(_sasRec.ItemEmbeddings.AsSpan(K), K, _vector, _scores);
        return TopK.Select(_scores, _top, _topScores);
    }

    /// <summary>Mult-VAE: encode, decode every item, top 20.</summary>
    [Benchmark(Description = "Mult-VAE answer (encode + decode + top 20)")]
    public int VaeAnswer()
    {
        _vae!.Score(_profile, _values, _scores);
        return TopK.Select(_scores, _top, _topScores);
    }
}
