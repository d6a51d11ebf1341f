namespace Personalization.Recommender.Reranking;

/// <summary>Relevance of the candidate pool on a fixed scale: scores min-max normalized to [0, 1] over the pool.</summary>
/// <remarks>
/// Raw scores have a different range for every model (ALS dot products near 1, EASE sums, popularity counts in the
/// hundreds) and every user. On the pool's own [0, 1] scale, MMR's λ, the popularity penalty's β and exploration's τ
/// trade relevance against the same amount whatever produced the scores.
/// </remarks>
internal static class PoolRelevance
{
    /// <summary>relevance[p] = (scores[p] − min) / (max − min); all 1 when every score is equal.</summary>
    /// <param name="scores">The pool's scores (any order).</param>
    /// <param name="relevance">Receives one value per score; may be the same span as <paramref name="scores"/>.</param>
    public static void Normalize(ReadOnlySpan<float> scores, Span<float> relevance)
    {
        if (scores.IsEmpty)
            return;
        float min = scores[0], max = scores[0];
        foreach (float s in scores)
        {
            min = Math.Min(min, s);
            max = Math.Max(max, s);
        }
        float range = max - min;
        if (!(range > 0f) || !float.IsFinite(range))
        {
            // Nothing to tell the candidates apart by (or an infinite score): equal relevance, order left to the tie-break.
            relevance[..scores.Length].Fill(1f);
            return;
        }
        float scale = 1f / range;
        for (int p = 0; p < scores.Length; p++)
            relevance[p] = (scores[p] - min) * scale;
    }
}
