using System.Buffers;
using System.Numerics.Tensors;

namespace Personalization.Recommender.Reranking;

/// <summary>
/// Greedy maximal marginal relevance (Carbonell and Goldstein 1998) over a candidate pool: each next item maximizes
/// (1 − λ)·relevance − λ·max cosine similarity to the items already chosen.
/// </summary>
/// <remarks>
/// <para>Lazy greedy: a candidate's max similarity to the chosen only grows once the first pick is made, so its value
/// only falls, and a value computed against fewer of the chosen bounds its value now from above. After the first pick
/// (one SIMD pass scores the whole pool against it, since similarities can be negative and lift values), each next pick
/// takes the best stale value, brings it up to date against the items chosen since, and keeps it if it is still the best;
/// otherwise the next best stale value is brought up to date. A candidate far down is never compared again, where updating
/// every candidate after every pick took 3,600 dot products for a list of 20 from 200; the values, computed by the same
/// arithmetic from the same similarities, are the same bits, so the picks are too.</para>
/// <para>Vectors are read in place by row (<see cref="Scoring.ScoreRows"/>, the same bits as a scan of a gathered copy),
/// so the pool's 200 rows are read once, by the first pass, and never copied.</para>
/// <para>The first item has nothing to be similar to, so it is the most relevant one for any λ. Ties go to the
/// candidate earlier in the pool (better raw score), which makes λ = 0 exactly the relevance order.</para>
/// </remarks>
internal static class MaximalMarginalRelevance
{
    /// <summary>Chooses <paramref name="chosen"/>.Length candidates, in order.</summary>
    /// <param name="relevance">Normalized relevance of each candidate, best raw score first; its length is the pool's.</param>
    /// <param name="rows">The row in <paramref name="itemVectors"/> of each candidate; unused when λ = 0.</param>
    /// <param name="itemVectors">Unit vectors, row-major (row r at r·<paramref name="dimensions"/>); unused when λ = 0.</param>
    /// <param name="dimensions">Length of each vector.</param>
    /// <param name="lambda">λ in [0, 1].</param>
    /// <param name="chosen">Receives the pool positions of the chosen candidates, at most pool.Length of them.</param>
    /// <param name="live">Scratch of pool.Length ints; on return its first pool.Length − chosen.Length entries are the
    /// positions not chosen, ascending.</param>
    /// <param name="maxSimilarity">Scratch of pool.Length floats.</param>
    /// <param name="similarity">Scratch of pool.Length floats; unused when λ = 0.</param>
    public static void Select(
        ReadOnlySpan<float> relevance, ReadOnlySpan<int> rows, ReadOnlySpan<float> itemVectors, int dimensions, float lambda,
        Span<int> chosen, Span<int> live, Span<float> maxSimilarity, Span<float> similarity)
    {
        int n = relevance.Length;
        float keep = 1f - lambda;
        // value[p] = keep·relevance[p] − λ·maxSimilarity[p], as of the first upToDate[p] chosen items; a chosen position
        // holds −∞, and the first maximum (the lowest position) wins ties.
        float[]? rentedValues = n > 1024 ? ArrayPool<float>.Shared.Rent(n) : null;
        int[]? rentedCounts = n > 1024 ? ArrayPool<int>.Shared.Rent(n) : null;
        Span<float> value = rentedValues is null ? stackalloc float[n] : rentedValues.AsSpan(0, n);
        Span<int> upToDate = rentedCounts is null ? stackalloc int[n] : rentedCounts.AsSpan(0, n);
        TensorPrimitives.Multiply(relevance[..n], keep, value);
        maxSimilarity = maxSimilarity[..n];
        similarity = similarity[..n];
        for (int t = 0; t < chosen.Length; t++)
        {
            int best = TensorPrimitives.IndexOfMax(value);
            // From the second pick on: bring the best stale value up to date until the best is current.
            while (lambda != 0f && t > 1 && upToDate[best] < t)
            {
                float max = maxSimilarity[best];
                for (int c = upToDate[best]; c < t; c++)
                    max = Math.Max(max, Scoring.ScoreRow(itemVectors, dimensions, itemVectors.Slice(rows[chosen[c]] * dimensions, dimensions), rows[best]));
                maxSimilarity[best] = max;
                upToDate[best] = t;
                value[best] = keep * relevance[best] - lambda * max;
                best = TensorPrimitives.IndexOfMax(value);
            }
            chosen[t] = best;
            value[best] = float.NegativeInfinity;
            if (lambda == 0f || t > 0 || chosen.Length == 1)
                continue;
            // After the first pick, every value once: a similarity below zero raises a value, so the bound starts here.
            Scoring.ScoreRows(itemVectors, dimensions, itemVectors.Slice(rows[best] * dimensions, dimensions), rows[..n], maxSimilarity);
            // value still holds keep·relevance (−∞ at the pick, which stays −∞).
            TensorPrimitives.Multiply(maxSimilarity, lambda, similarity);
            TensorPrimitives.Subtract(value, similarity, value);
            upToDate.Fill(1);
        }
        // The positions not chosen, ascending, where the caller expects them: the chosen are exactly the −∞ values.
        int liveCount = 0;
        for (int p = 0; p < n; p++)
            if (!float.IsNegativeInfinity(value[p])) live[liveCount++] = p;
        if (rentedValues is not null) ArrayPool<float>.Shared.Return(rentedValues);
        if (rentedCounts is not null) ArrayPool<int>.Shared.Return(rentedCounts);
    }
}
