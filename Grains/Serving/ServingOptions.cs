namespace Personalization.Grains.Serving;

/// <summary>Settings of the serving index and the home page, bound from the <c>Serving</c> section.</summary>
public sealed class ServingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Serving";

    /// <summary>Items added to the catalog within this window are "new" (the New for you row).</summary>
    public TimeSpan NewItemWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most this many of the newest items are candidates for New for you.</summary>
    public int MaxNewItems { get; set; } = 500;

    /// <summary>
    /// From this many items on, <c>/recommendations</c> retrieves its candidate pool from an int8 index
    /// (a quarter of the memory traffic, exact scores for what it returns) instead of scoring every item in float32.
    /// </summary>
    public int QuantizedIndexFromItems { get; set; } = 10_000;

    /// <summary>
    /// From this many items on (and with the index built), the home page takes its 4,000 candidates from the index
    /// instead of scoring the whole catalog. Candidates pay off only when they are a small share of the catalog: at
    /// 20,000 items collecting and re-scoring 4,000 of them made the page 3× slower than the exact scan.
    /// </summary>
    public int PageIndexFromItems { get; set; } = 100_000;

    /// <summary>
    /// From this many items on (and with the int8 index built), each model also gets an inverted file over the int8
    /// codes (<see cref="Recommender.IvfItemIndex"/>), calibrated on sample users: searches go through it, scanning the
    /// fewest lists that find <see cref="InvertedIndexRecall"/> of the flat scan's results, when at most a quarter of
    /// its lists do. Otherwise the flat scan serves. Building and calibrating it takes seconds per model at a million
    /// items. Below this size the flat scan is cheap and the lists too coarse: on the load generator's trained model at
    /// 20,000 items (141 lists) a quarter of the lists found 71% of the top 200.
    /// </summary>
    public int InvertedIndexFromItems { get; set; } = 100_000;

    /// <summary>
    /// From this many items on, the inverted file serves even when its calibration misses the target (with its default
    /// probes, a 16th of the lists or enough for the candidates): a flat scan of such a catalog cannot hold the
    /// request rate. The miss is logged with the recall measured.
    /// </summary>
    public int InvertedIndexAlwaysFromItems { get; set; } = 250_000;

    /// <summary>
    /// Recall of the top <see cref="RankingOptions.CandidatePool"/> against the flat int8 scan that the inverted file must
    /// reach on sample users (fold-ins of histories drawn by popularity) to serve.
    /// </summary>
    public double InvertedIndexRecall { get; set; } = 0.99;

    /// <summary>Beyond-accuracy controls of Top picks and <c>/recommendations</c>.</summary>
    public RankingOptions Ranking { get; set; } = new();
}

/// <summary>
/// Diversity, popularity-bias and exploration settings of the online lists, bound from <c>Serving:Ranking</c>. The
/// defaults are the offline evaluation's sweet spot on ml-latest-small (docs/trainer.md, "Beyond accuracy"): they
/// roughly double catalog coverage and raise intra-list diversity for no measurable loss of recall.
/// </summary>
public sealed class RankingOptions
{
    /// <summary>MMR λ in [0, 1]: 0 ranks by score alone.</summary>
    public float Diversity { get; set; } = 0.3f;

    /// <summary>Popularity penalty β ≥ 0: 0 leaves popular items where the score puts them.</summary>
    public float PopularityPenalty { get; set; } = 0.5f;

    /// <summary>Share ε in [0, 1) of each list given to Thompson-sampled exploration of less-seen items.</summary>
    public float ExplorationShare { get; set; } = 0.05f;

    /// <summary>Candidates the controls choose from.</summary>
    public int CandidatePool { get; set; } = 200;

    /// <summary>The validated settings; an out-of-range value throws naming the setting.</summary>
    public Recommender.Reranking.RankingSettings ToSettings() => new()
    {
        Diversity = Diversity, PopularityPenalty = PopularityPenalty, ExplorationShare = ExplorationShare, CandidatePool = CandidatePool,
    };
}
