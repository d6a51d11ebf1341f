namespace Personalization.Recommender.Reranking;

/// <summary>
/// The "beyond accuracy" controls of a ranked list, applied by <see cref="Reranker"/>: diversity (MMR), a popularity
/// penalty and an exploration share. Immutable; every value is checked when it is set, so an instance is always valid.
/// </summary>
/// <remarks>
/// <para>Every control is expressed on the candidate pool's own scale (relevance min-max normalized to [0, 1]), so one
/// setting means the same for every model and catalog, whatever the range of the raw scores.</para>
/// <para>There is deliberately no seed here: settings are shared by all requests, while the exploration draw must
/// differ per user (and, online, per time bucket). The seed is an argument of <see cref="Reranker.Rerank"/>.</para>
/// </remarks>
public sealed record RankingSettings
{
    /// <summary>Everything off: <see cref="Reranker.Rerank"/> returns exactly the top-K by score.</summary>
    public static RankingSettings Default { get; } = new();

    private readonly float _diversity;
    private readonly float _popularityPenalty;
    private readonly float _explorationShare;
    private readonly int _candidatePool = 200;
    private readonly float _explorationScale = 0.5f;

    /// <summary>
    /// λ of maximal marginal relevance (Carbonell and Goldstein 1998), in [0, 1]: each next item maximizes
    /// (1 − λ)·relevance − λ·(max cosine similarity to the items already chosen). 0 (the default) keeps the score
    /// order; 1 chooses by dissimilarity alone (after the first, most relevant item).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in [0, 1].</exception>
    public float Diversity
    {
        get => _diversity;
        init => _diversity = InRange(value, 0f, 1f, upperInclusive: true, nameof(Diversity));
    }

    /// <summary>
    /// β ≥ 0: relevance' = relevance − β·(log-popularity scaled to [0, 1] over the candidate pool). With β = 1 the most
    /// popular candidate loses as much as the whole relevance range of the pool. 0 (the default) is off.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    public float PopularityPenalty
    {
        get => _popularityPenalty;
        init => _popularityPenalty = InRange(value, 0f, float.MaxValue, upperInclusive: true, nameof(PopularityPenalty));
    }

    /// <summary>
    /// ε in [0, 1): ⌊ε·K⌋ of the K slots (the last ones) go to items drawn by Thompson sampling from the candidate pool
    /// beyond the exploited items. 0 (the default) is off.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not in [0, 1).</exception>
    public float ExplorationShare
    {
        get => _explorationShare;
        init => _explorationShare = InRange(value, 0f, 1f, upperInclusive: false, nameof(ExplorationShare));
    }

    /// <summary>
    /// How many of the highest-scoring items the controls choose from (at least K is always taken). Bounds the cost
    /// (MMR is O(pool·K·dimensions)) and keeps every control among items the model finds relevant. Default 200.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int CandidatePool
    {
        get => _candidatePool;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1, nameof(CandidatePool));
            _candidatePool = value;
        }
    }

    /// <summary>
    /// τ of exploration, in units of the pool's normalized relevance: an item seen by n users is sampled from
    /// Normal(relevance, (τ/√(1 + n))²). Default 0.5: a never-seen item's draw spreads over half the pool's range.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Negative or not finite.</exception>
    public float ExplorationScale
    {
        get => _explorationScale;
        init => _explorationScale = InRange(value, 0f, float.MaxValue, upperInclusive: true, nameof(ExplorationScale));
    }

    /// <summary>Whether no control is on, so the ranking is plain top-K by score.</summary>
    public bool IsOff => _diversity == 0f && _popularityPenalty == 0f && _explorationShare == 0f;

    /// <summary>Number of the <paramref name="k"/> slots given to exploration: ⌊ε·K⌋.</summary>
    /// <param name="k">List length K.</param>
    /// <returns>A count in [0, K).</returns>
    public int ExplorationSlots(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        // Through decimal, which keeps the 7 significant digits the user typed: 0.7f is 0.69999999, and ⌊0.69999999·10⌋
        // would give 6 slots where 7 are meant.
        return Math.Min(k, (int)Math.Floor((double)(decimal)_explorationShare * k));
    }

    private static float InRange(float value, float low, float high, bool upperInclusive, string name)
    {
        bool ok = value >= low && (upperInclusive ? value <= high : value < high) && float.IsFinite(value);
        if (!ok)
        {
            string range = upperInclusive ? $"[{low}, {(high == float.MaxValue ? "∞" : high.ToString())}]" : $"[{low}, {high})";
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be in {range}.");
        }
        return value;
    }
}
