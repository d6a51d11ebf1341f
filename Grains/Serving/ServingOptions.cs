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
    /// From this many items on, searches go through an inverted file over the int8 codes (<see cref="Recommender.IvfItemIndex"/>):
    /// they scan a 16th of its lists instead of the whole catalog, at a recall measured in docs/benchmarks.md. Building
    /// it clusters the items once per model (seconds at a million items).
    /// </summary>
    public int InvertedIndexFromItems { get; set; } = 250_000;

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
