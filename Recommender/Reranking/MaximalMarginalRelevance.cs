using System.Buffers;
using System.Numerics.Tensors;

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
        float keep = 1f - lambda;
        // value[p] = keep·relevance[p] − λ·maxSimilarity[p] for every position, whole-pool SIMD passes instead of a
        // branchy loop over the live ones: a chosen position is taken out by −∞, and the first maximum (the lowest
        // position) wins ties. The same two roundings as the scalar formula, so the same picks.
        float[]? rented = n > 1024 ? ArrayPool<float>.Shared.Rent(n) : null;
        Span<float> value = rented is null ? stackalloc float[n] : rented.AsSpan(0, n);
        TensorPrimitives.Multiply(relevance[..n], keep, value);
        maxSimilarity = maxSimilarity[..n];
        similarity = similarity[..n];
        for (int t = 0; t < chosen.Length; t++)
        {
            int best = TensorPrimitives.IndexOfMax(value);
            chosen[t] = best;
            value[best] = float.NegativeInfinity;
            if (lambda == 0f || t == chosen.Length - 1)
                continue;
            Scoring.ScoreAll(poolVectors[..(n * dimensions)], dimensions, poolVectors.Slice(best * dimensions, dimensions), similarity);
            if (t == 0) similarity.CopyTo(maxSimilarity);
            else TensorPrimitives.Max(maxSimilarity, similarity, maxSimilarity);
            // value = keep·relevance − λ·maxSimilarity, recomputed whole; the chosen get −∞ back.
            TensorPrimitives.Multiply(maxSimilarity, lambda, similarity);
            TensorPrimitives.Multiply(relevance[..n], keep, value);
            TensorPrimitives.Subtract(value, similarity, value);
            foreach (int p in chosen[..(t + 1)]) value[p] = float.NegativeInfinity;
        }
        // The positions not chosen, ascending, where the caller expects them: the chosen are exactly the −∞ values.
        int liveCount = 0;
        for (int p = 0; p < n; p++)
            if (!float.IsNegativeInfinity(value[p])) live[liveCount++] = p;
        if (rented is not null) ArrayPool<float>.Shared.Return(rented);
    }
}
