namespace Personalization.Recommender.Reranking;

/// <summary>
/// Greedy maximal marginal relevance (Carbonell and Goldstein 1998) over a candidate pool: each next item maximizes
/// (1 − λ)·relevance − λ·max cosine similarity to the items already chosen.
/// </summary>
/// <remarks>
/// <para>The max similarity of every live candidate is kept up to date: after each pick, one blocked SIMD pass
/// (<see cref="Scoring.ScoreAll"/>) scores the whole pool against the picked vector, O(pool·count·dimensions) in all,
/// instead of recomputing each candidate's max over the whole chosen list. The pool's vectors are contiguous, in pool
/// order, so the pass streams about 50 KB from L2 rather than gathering rows scattered over the catalog; scoring the
/// few positions already chosen too is cheaper than a gather.</para>
/// <para>The first item has nothing to be similar to, so it is the most relevant one for any λ. Ties go to the
/// candidate earlier in the pool (better raw score), which makes λ = 0 exactly the relevance order.</para>
/// </remarks>
internal static class MaximalMarginalRelevance
{
    /// <summary>Chooses <paramref name="chosen"/>.Length candidates, in order.</summary>
    /// <param name="pool">Item index of each candidate, best raw score first.</param>
    /// <param name="relevance">Normalized relevance of each candidate.</param>
    /// <param name="poolVectors">Unit vectors of the pool, row-major in pool order (position p at p·<paramref name="dimensions"/>);
    /// unused when λ = 0.</param>
    /// <param name="dimensions">Length of each vector.</param>
    /// <param name="lambda">λ in [0, 1].</param>
    /// <param name="chosen">Receives the pool positions of the chosen candidates, at most pool.Length of them.</param>
    /// <param name="live">Scratch of pool.Length ints; on return its first pool.Length − chosen.Length entries are the
    /// positions not chosen, ascending.</param>
    /// <param name="maxSimilarity">Scratch of pool.Length floats.</param>
    /// <param name="similarity">Scratch of pool.Length floats; unused when λ = 0.</param>
    public static void Select(
        ReadOnlySpan<int> pool, ReadOnlySpan<float> relevance, ReadOnlySpan<float> poolVectors, int dimensions, float lambda,
        Span<int> chosen, Span<int> live, Span<float> maxSimilarity, Span<float> similarity)
    {
        int n = pool.Length;
        for (int p = 0; p < n; p++)
            live[p] = p;
        maxSimilarity[..n].Fill(float.NegativeInfinity);
        int liveCount = n;
        float keep = 1f - lambda;

        for (int t = 0; t < chosen.Length; t++)
        {
            int bestSlot = 0, bestPosition = live[0];
            float bestValue = Value(relevance[bestPosition], maxSimilarity[bestPosition], t, keep, lambda);
            for (int j = 1; j < liveCount; j++)
            {
                int p = live[j];
                float value = Value(relevance[p], maxSimilarity[p], t, keep, lambda);
                // live is unordered after removals, so the tie-break compares positions explicitly.
                if (value > bestValue || (value == bestValue && p < bestPosition))
                    (bestSlot, bestPosition, bestValue) = (j, p, value);
            }
            chosen[t] = bestPosition;
            live[bestSlot] = live[--liveCount];

            if (lambda == 0f || t == chosen.Length - 1)
                continue;
            Scoring.ScoreAll(poolVectors[..(n * dimensions)], dimensions, poolVectors.Slice(bestPosition * dimensions, dimensions), similarity[..n]);
            for (int j = 0; j < liveCount; j++)
            {
                int p = live[j];
                if (similarity[p] > maxSimilarity[p])
                    maxSimilarity[p] = similarity[p];
            }
        }
        live[..liveCount].Sort();
    }

    // Before the first pick the similarity term is absent (a max over nothing), not −∞.
    private static float Value(float relevance, float maxSimilarity, int picked, float keep, float lambda) =>
        picked == 0 || lambda == 0f ? keep * relevance : keep * relevance - lambda * maxSimilarity;
}
