namespace Personalization.Recommender.Reranking;

/// <summary>
/// Exploration by Thompson sampling: each candidate not already exploited draws a plausible relevance from
/// Normal(relevance, σ²) with σ = τ/√(1 + n), n its popularity; the best draws win the exploration slots.
/// </summary>
/// <remarks>
/// <para>Why Thompson sampling rather than ε-greedy's uniform pick: a uniform pick spends the slots on whatever is in
/// the tail of the pool; sampling still prefers relevant items and spends the uncertainty where it is.</para>
/// <para>Why σ = τ/√(1 + n): the standard error of a mean estimated from n observations shrinks as 1/√n; the 1 is a
/// pseudo-observation so a never-seen item has a finite σ = τ. Items many users have seen are well estimated and
/// rarely win on noise; rarely seen items, whose scores the model knows least, are the ones worth showing.</para>
/// <para>Draws come from a generator seeded per request, so a user sees a stable list within a time bucket online and
/// an evaluation is reproducible; one draw per candidate, in pool order, two candidates to a Box–Muller pair.</para>
/// </remarks>
internal static class ThompsonExploration
{
    /// <summary>Picks <paramref name="picked"/>.Length candidates (or fewer, if fewer are offered), best draw first.</summary>
    /// <param name="pool">Item index of each pool position.</param>
    /// <param name="relevance">Normalized relevance of each pool position.</param>
    /// <param name="candidates">The pool positions eligible for exploration, ascending.</param>
    /// <param name="popularity">Popularity per catalog item (the n of σ).</param>
    /// <param name="scale">τ, in units of normalized relevance.</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="picked">Receives the chosen pool positions.</param>
    /// <param name="draws">Scratch of candidates.Length floats.</param>
    /// <param name="topDraws">Scratch of picked.Length floats.</param>
    /// <returns>How many were picked: min(picked.Length, candidates.Length).</returns>
    public static int Select(
        ReadOnlySpan<int> pool, ReadOnlySpan<float> relevance, ReadOnlySpan<int> candidates, ReadOnlySpan<float> popularity,
        float scale, ulong seed, Span<int> picked, Span<float> draws, Span<float> topDraws)
    {
        if (picked.IsEmpty || candidates.IsEmpty)
            return 0;
        var random = new SplitMix64(seed);
        draws = draws[..candidates.Length];
        double spare = 0;
        for (int j = 0; j < candidates.Length; j++)
        {
            int p = candidates[j];
            double sigma = scale / Math.Sqrt(1.0 + PopularityPenalty.Checked(popularity, pool[p]));
            // Box–Muller gives normals in pairs: even candidates take the first, odd ones the second.
            double z;
            if ((j & 1) == 0) (z, spare) = random.NextGaussianPair();
            else z = spare;
            draws[j] = (float)(relevance[p] + sigma * z);
        }
        // TopK returns indices into draws, i.e. into candidates; map them to pool positions.
        int count = TopK.Select(draws, picked, topDraws);
        for (int j = 0; j < count; j++)
            picked[j] = candidates[picked[j]];
        return count;
    }
}
