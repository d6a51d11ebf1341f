using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using Personalization.Contracts;
using Personalization.Grains.Items;
using Personalization.Grains.Serving;
using Personalization.Recommender;
using Personalization.Recommender.Reranking;
using Personalization.Storage;

namespace Personalization.Benchmarks;

/// <summary>
/// The ranking work of one uncached answer, without HTTP or Orleans: <see cref="Ranker.Recommend"/> (int8 pool search,
/// exact re-score, gather, reranker, response items) and <see cref="Ranker.HomePage"/> on a 20,000 × 64 serving model
/// with the silo's default settings, and the recommendations answer's two stages alone (the pool search and the
/// reranker), so an end-to-end figure can be split.
/// </summary>
/// <remarks>Each call takes the next of <see cref="UserCount"/> users, each with 40 excluded rows, so no stage sees the same input twice running.</remarks>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[Config(typeof(Config))]
public class ServingBenchmarks
{
    private const int Items = 20_000;
    private const int K = 64;

    /// <summary>
    /// Users the calls cycle through: 16 keep every user's rows in the caches (the ranking's own arithmetic); 4,096 read
    /// other rows every call, as a gateway serving many users does (the rows of the re-score and MMR come from memory).
    /// </summary>
    [Params(16, 4096)]
    public int UserCount { get; set; }
    private const int Count = 20;

    private ServingModel? _model;
    private TrendingBoard? _trending;
    private RankingSettings? _noExploration;
    private UserPage[] _pages = [];
    private int[][] _excluded = [];
    private float[][] _poolScores = [];
    private int[][] _poolRows = [];
    private float[][] _poolPopularity = [];
    private readonly int[] _searchRows = new int[200];
    private readonly float[] _searchScores = new float[200];
    private readonly int[] _picked = new int[Count];
    private readonly int[] _mmrPicked = new int[Count - 1];
    private readonly int[] _live = new int[200];
    private readonly float[] _maxSimilarity = new float[200];
    private readonly float[] _similarity = new float[200];
    private float[][] _relevance = [];
    private readonly float[] _similarScores = new float[Items];
    private readonly int[] _similarRows = new int[Count];
    private readonly float[] _similarTop = new float[Count];
    private readonly RowsRequest _rows = new(6, 20, "tv", 20);
    private int _next;

    /// <summary>Builds the serving model (catalog with two genres per item), the users and each user's reranker pool.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var factors = BenchmarkData.RandomFactors(Items, K, sigma: 0.1, seed: 42);
        var ids = Enumerable.Range(0, Items).Select(i => $"i{i}").ToArray();
        var popularity = Enumerable.Range(0, Items).Select(i => (float)(1000.0 / (1 + i))).ToArray();
        var model = new FactorModel(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, K, 10f, 0.1f, ids, factors,
            GramMatrix.Compute(factors, Items, K), popularity, new Dictionary<string, double>());
        var catalog = ids.Select((id, i) => new CatalogItem(id, $"Title {i}", [$"G{i % 12}", $"G{i % 7 + 12}"], [], DateTimeOffset.UnixEpoch))
            .ToDictionary(item => item.ItemId, StringComparer.Ordinal);
        _model = new ServingModel(model, catalog, new ServingOptions(), DateTimeOffset.UnixEpoch);
        _noExploration = _model.Ranking with { ExplorationShare = 0f };
        _trending = new TrendingBoard(Microsoft.Extensions.Options.Options.Create(new TrendingOptions()));
        var users = BenchmarkData.RandomFactors(UserCount, K, sigma: 0.1, seed: 43);
        var random = new Random(44);
        _pages = new UserPage[UserCount];
        _excluded = new int[UserCount][];
        _poolScores = new float[UserCount][];
        _poolRows = new int[UserCount][];
        _relevance = new float[UserCount][];
        _poolPopularity = new float[UserCount][];
        for (var u = 0; u < UserCount; u++)
        {
            var exclude = BenchmarkData.DistinctRows(Items, 40, seed: 100 + u);
            var affinity = Enumerable.Range(0, _model.Genres.Length).Select(_ => random.NextDouble()).ToArray();
            _pages[u] = new UserPage(users[(u * K)..((u + 1) * K)], new HashSet<int>(exclude), [(exclude[0], 600f)], exclude[1], affinity, [1f]);
            _excluded[u] = [.. exclude.Order()];
            var found = _model.SearchIndex!.Search(_pages[u].Vector, _searchRows, _searchScores, _excluded[u], Ranker.PoolCandidates(Count, 200));
            _poolScores[u] = _searchScores[..found];
            _poolRows[u] = _searchRows[..found];
            _poolPopularity[u] = [.. _poolRows[u].Select(row => _model.Popularity[row])];
            _relevance[u] = new float[found];
            PoolRelevance.Normalize(_poolScores[u], _relevance[u]);
        }
    }

    private int NextUser() => _next++ % UserCount;

    /// <summary>A recommendations answer's ranking: what the user grain does for an uncached request.</summary>
    [Benchmark(Baseline = true, Description = "Ranker.Recommend(20), 20,000 items")]
    public int Recommend()
    {
        var u = NextUser();
        var page = _pages[u];
        return Ranker.Recommend(_model!, page.Vector, page.Exclude, Count, seed: (ulong)u).Count;
    }

    /// <summary>Its first stage: the int8 pool search with exact re-score.</summary>
    [Benchmark(Description = "  stage: pool search (200 of 264)")]
    public int Search()
    {
        var u = NextUser();
        return _model!.SearchIndex!.Search(_pages[u].Vector, _searchRows, _searchScores, _excluded[u], Ranker.PoolCandidates(Count, 200));
    }

    /// <summary>Its second stage: popularity penalty, MMR and exploration over the pool, cosines from the raw rows as served.</summary>
    [Benchmark(Description = "  stage: reranker over the pool")]
    public int Rerank()
    {
        var u = NextUser();
        return Reranker.RerankRanked(_poolScores[u], _poolRows[u], _model!.ItemFactors, K, _poolPopularity[u], _model!.Ranking, (ulong)u, _picked, _model.InverseNorms);
    }

    /// <summary>The reranker with no exploration slot: popularity penalty and MMR only.</summary>
    [Benchmark(Description = "  stage: reranker, no exploration")]
    public int RerankWithoutExploration()
    {
        var u = NextUser();
        return Reranker.RerankRanked(_poolScores[u], _poolRows[u], _model!.ItemFactors, K, _poolPopularity[u], _noExploration!, (ulong)u, _picked, _model.InverseNorms);
    }

    /// <summary>Within the reranker: MMR alone (λ = 0.3, 19 picks from the pool of 200), relevance already normalized.</summary>
    [Benchmark(Description = "  within: MMR (19 of 200)")]
    public int Mmr()
    {
        var u = NextUser();
        var n = _poolRows[u].Length;
        MaximalMarginalRelevance.Select(_relevance[u], _poolRows[u], _model!.ItemFactors, K, _model.Ranking.Diversity, _mmrPicked,
            _live.AsSpan(0, n), _maxSimilarity.AsSpan(0, n), _similarity.AsSpan(0, n), _model.InverseNorms);
        return _mmrPicked[^1];
    }

    /// <summary>Similar items (20) as the endpoint computed them before: every item's cosine to the anchor, then the top 20.</summary>
    [Benchmark(Description = "similar items: scoring the catalog")]
    public int SimilarItemsByScoring()
    {
        var anchor = NextUser();
        var k = _model!.Factors;
        var scores = _similarScores.AsSpan(0, _model.ItemCount);
        Scoring.ScoreAll(_model.NormalizedFactors, k, _model.NormalizedFactors.AsSpan(anchor * k, k), scores);
        scores[anchor] = float.NegativeInfinity;
        return TopK.Select(scores, _similarRows, _similarTop);
    }

    /// <summary>Similar items (20) from the anchor's kept neighbour list (<see cref="Ranker.SimilarItems"/>), once each anchor's list is kept.</summary>
    [Benchmark(Description = "similar items: the kept list")]
    public int SimilarItems() => Ranker.SimilarItems(_model!, NextUser(), Count).Count;

    /// <summary>A rows page's ranking (6 rows of 20 on a TV at 20:00).</summary>
    [Benchmark(Description = "Ranker.HomePage(6 x 20), 20,000 items")]
    public int HomePage()
    {
        var u = NextUser();
        return Ranker.HomePage(_model!, _pages[u], _trending!, _rows, PageLayout.PartOf(_rows.Hour), seed: (ulong)u).Count;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            // The median resists the odd iteration disturbed by other work on a small shared machine.
            AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);
        }
    }
}
