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
/// arithmetic from the same similarities, are the same bits, so the picks are too. The stale values sit in a binary
/// max-heap: a look at the best costs a sift of eight levels instead of a pass over the pool (about 70 passes per list).</para>
/// <para>Vectors are read in place by row (<see cref="Scoring.ScoreRows"/>, the same bits as a scan of a gathered copy),
/// so the pool's 200 rows are read once, by the first pass, and never copied. Given each row's inverse norm, the rows
/// may be the raw factors the index's exact re-score has just read (cosine = a·b·(1/|a|)·(1/|b|)): a serving request
/// then takes the pool's rows from the cache instead of a second, normalized copy of the catalog from memory.</para>
/// <para>The first item has nothing to be similar to, so it is the most relevant one for any λ. Ties go to the
/// candidate earlier in the pool (better raw score), which makes λ = 0 exactly the relevance order.</para>
/// </remarks>
internal static class MaximalMarginalRelevance
{
    /// <summary>Chooses <paramref name="chosen"/>.Length candidates, in order.</summary>
    /// <param name="relevance">Normalized relevance of each candidate, best raw score first; its length is the pool's.</param>
    /// <param name="rows">The row in <paramref name="itemVectors"/> of each candidate; unused when λ = 0.</param>
    /// <param name="itemVectors">Vectors, row-major (row r at r·<paramref name="dimensions"/>): unit rows, or any rows with
    /// <paramref name="inverseNorms"/>; unused when λ = 0.</param>
    /// <param name="dimensions">Length of each vector.</param>
    /// <param name="lambda">λ in [0, 1].</param>
    /// <param name="chosen">Receives the pool positions of the chosen candidates, at most pool.Length of them.</param>
    /// <param name="live">Scratch of pool.Length ints; on return its first pool.Length − chosen.Length entries are the
    /// positions not chosen, ascending.</param>
    /// <param name="maxSimilarity">Scratch of pool.Length floats.</param>
    /// <param name="similarity">Scratch of pool.Length floats; unused when λ = 0.</param>
    /// <param name="inverseNorms">1/|row| per row of <paramref name="itemVectors"/> (0 for a zero row), or empty when the rows
    /// are unit vectors already.</param>
    public static void Select(
        ReadOnlySpan<float> relevance, ReadOnlySpan<int> rows, ReadOnlySpan<float> itemVectors, int dimensions, float lambda,
        Span<int> chosen, Span<int> live, Span<float> maxSimilarity, Span<float> similarity, ReadOnlySpan<float> inverseNorms = default)
    {
        int n = relevance.Length;
        float keep = 1f - lambda;
        // value[p] = keep·relevance[p] − λ·maxSimilarity[p], as of the first upToDate[p] chosen items; a chosen position
        // holds −∞, and the first maximum (the lowest position) wins ties.
        // A max-heap of the live positions by (value, lower position first) hands out the best stale value without a pass
        // over the pool per look.
        float[]? rentedValues = n > 1024 ? ArrayPool<float>.Shared.Rent(n) : null;
        int[]? rentedInts = n > 1024 ? ArrayPool<int>.Shared.Rent(2 * n) : null;
        Span<float> value = rentedValues is null ? stackalloc float[n] : rentedValues.AsSpan(0, n);
        Span<int> ints = rentedInts is null ? stackalloc int[2 * n] : rentedInts.AsSpan(0, 2 * n);
        Span<int> upToDate = ints[..n], heap = ints.Slice(n, n);
        TensorPrimitives.Multiply(relevance[..n], keep, value);
        maxSimilarity = maxSimilarity[..n];
        similarity = similarity[..n];

        if (chosen.Length > 0)
        {
            // The first pick has nothing to be similar to: the most relevant, the lowest position among equals.
            int first = 0;
            for (int p = 1; p < n; p++)
                if (value[p] > value[first]) first = p;
            chosen[0] = first;
            value[first] = float.NegativeInfinity;
            if (lambda != 0f && chosen.Length > 1)
            {
                // Every value once: a similarity below zero raises a value, so the bound starts here.
                Scoring.ScoreRows(itemVectors, dimensions, itemVectors.Slice(rows[first] * dimensions, dimensions), rows[..n], maxSimilarity);
                if (!inverseNorms.IsEmpty)
                {
                    float firstInverse = inverseNorms[rows[first]];
                    for (int p = 0; p < n; p++) maxSimilarity[p] *= firstInverse * inverseNorms[rows[p]];
                }
                // value still holds keep·relevance (−∞ at the pick, which stays −∞).
                TensorPrimitives.Multiply(maxSimilarity, lambda, similarity);
                TensorPrimitives.Subtract(value, similarity, value);
                upToDate.Fill(1);
            }
        }

        int size = 0;
        if (chosen.Length > 1)
        {
            for (int p = 0; p < n; p++)
                if (p != chosen[0]) heap[size++] = p;
            for (int i = size / 2 - 1; i >= 0; i--)
                SiftDown(heap[..size], i, value);
        }
        for (int t = 1; t < chosen.Length; t++)
        {
            // Bring the best stale value up to date until the best is current (values only fall, so it sinks).
            while (lambda != 0f && upToDate[heap[0]] < t)
            {
                int best = heap[0];
                float max = maxSimilarity[best];
                for (int c = upToDate[best]; c < t; c++)
                    max = Math.Max(max, Cosine(itemVectors, dimensions, inverseNorms, rows[chosen[c]], rows[best]));
                maxSimilarity[best] = max;
                upToDate[best] = t;
                value[best] = keep * relevance[best] - lambda * max;
                SiftDown(heap[..size], 0, value);
            }
            int pick = heap[0];
            chosen[t] = pick;
            value[pick] = float.NegativeInfinity;
            heap[0] = heap[--size];
            SiftDown(heap[..size], 0, value);
        }
        // The positions not chosen, ascending, where the caller expects them: the chosen are exactly the −∞ values.
        int liveCount = 0;
        for (int p = 0; p < n; p++)
            if (!float.IsNegativeInfinity(value[p])) live[liveCount++] = p;
        if (rentedValues is not null) ArrayPool<float>.Shared.Return(rentedValues);
        if (rentedInts is not null) ArrayPool<int>.Shared.Return(rentedInts);
    }

    // The cosine of two rows: their dot product, times their inverse norms unless the rows are unit vectors.
    private static float Cosine(ReadOnlySpan<float> itemVectors, int dimensions, ReadOnlySpan<float> inverseNorms, int a, int b)
    {
        float dot = Scoring.ScoreRow(itemVectors, dimensions, itemVectors.Slice(a * dimensions, dimensions), b);
        return inverseNorms.IsEmpty ? dot : dot * (inverseNorms[a] * inverseNorms[b]);
    }

    // Restores the heap below slot i after heap[i]'s value fell (or a last entry moved there).
    private static void SiftDown(Span<int> heap, int i, ReadOnlySpan<float> value)
    {
        int size = heap.Length;
        if (size == 0)
            return;
        int item = heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= size)
                break;
            if (child + 1 < size && Before(heap[child + 1], heap[child], value))
                child++;
            if (!Before(heap[child], item, value))
                break;
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }

    // The greedy's order: the higher value, and between equal values the lower position (the better raw score).
    private static bool Before(int a, int b, ReadOnlySpan<float> value) => value[a] > value[b] || (value[a] == value[b] && a < b);
}
