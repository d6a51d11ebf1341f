namespace Personalization.Recommender.Reranking;

/// <summary>
/// Popularity-bias control: relevance' = relevance − β·q with q the item's log-popularity min-max scaled to [0, 1]
/// over the candidate pool, then relevance' min-max normalized again to [0, 1].
/// </summary>
/// <remarks>
/// <para>Why log(1 + n): popularity is heavy-tailed; on the raw count the few blockbusters would take all the penalty and
/// the difference between 5 and 50 users, which is what matters in the tail, would vanish.</para>
/// <para>Why scaled over the pool rather than the catalog: relevance is on the pool's [0, 1] scale too, so β = 1 means
/// "the most popular candidate loses as much as the whole relevance range", on any catalog and model. It costs one
/// logarithm per candidate instead of per catalog item, and the penalty only reorders items the model already finds
/// relevant; a catalog-wide penalty with a large β surfaces items the model scores near nothing.</para>
/// <para>Why normalized again: MMR's λ weighs relevance against a cosine, so relevance keeps its [0, 1] range.</para>
/// </remarks>
internal static class PopularityPenalty
{
    /// <summary>Applies the penalty in place.</summary>
    /// <param name="pool">Item index of each candidate.</param>
    /// <param name="relevance">Normalized relevance per candidate, updated in place.</param>
    /// <param name="popularity">Popularity per catalog item (e.g. users with a positive signal), non-negative.</param>
    /// <param name="beta">β ≥ 0; 0 leaves <paramref name="relevance"/> unchanged.</param>
    /// <param name="logPopularity">Scratch of at least <paramref name="pool"/>.Length floats.</param>
    /// <exception cref="ArgumentException">A candidate's popularity is negative or not finite.</exception>
    public static void Apply(ReadOnlySpan<int> pool, Span<float> relevance, ReadOnlySpan<float> popularity, float beta, Span<float> logPopularity)
    {
        if (beta == 0f || pool.IsEmpty)
            return;
        logPopularity = logPopularity[..pool.Length];
        for (int p = 0; p < pool.Length; p++)
            logPopularity[p] = MathF.Log(1f + Checked(popularity, pool[p]));
        // The scaled log-popularity, through the same min-max as relevance; constant popularity gives q = 1 for all,
        // a uniform shift that changes no order.
        PoolRelevance.Normalize(logPopularity, logPopularity);
        for (int p = 0; p < pool.Length; p++)
            relevance[p] -= beta * logPopularity[p];
        PoolRelevance.Normalize(relevance[..pool.Length], relevance);
    }

    /// <summary>The popularity of <paramref name="item"/>, checked non-negative and finite.</summary>
    public static float Checked(ReadOnlySpan<float> popularity, int item)
    {
        float n = popularity[item];
        if (!(n >= 0f) || !float.IsFinite(n))
            throw new ArgumentException($"Popularity of item {item} is {n}; it must be finite and non-negative.", nameof(popularity));
        return n;
    }
}
