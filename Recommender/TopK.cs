using System.Buffers;

namespace Personalization.Recommender;

/// <summary>Partial selection of the highest scores: no sort of the whole array, no allocation (buffers are pooled).</summary>
public static class TopK
{
    /// <summary>
    /// Writes the indices.Length highest scores, best first (ties: lower index first), skipping
    /// <see cref="float.NegativeInfinity"/> and NaN, which callers use to mark excluded items.
    /// </summary>
    /// <remarks>
    /// Short arrays keep a min-heap of the current best in the output spans themselves: O(n log K), no allocation. From
    /// <see cref="BufferedFromScores"/> scores and four per kept one, scores above a rising threshold are appended to a
    /// pooled buffer instead (<see cref="CandidateCollector"/>), which branches on a score only where one enters.
    /// </remarks>
    /// <param name="scores">Score per index.</param>
    /// <param name="indices">Receives the selected indices; its length is K.</param>
    /// <param name="topScores">Receives their scores; at least as long as <paramref name="indices"/>.</param>
    /// <returns>How many were written: min(K, number of eligible scores).</returns>
    public static int Select(ReadOnlySpan<float> scores, Span<int> indices, Span<float> topScores)
    {
        if (topScores.Length < indices.Length)
            throw new ArgumentException(
                $"topScores ({topScores.Length}) must be at least as long as indices ({indices.Length}).", nameof(topScores));
        int capacity = indices.Length;
        if (capacity == 0)
            return 0;
        topScores = topScores[..capacity];
        if (scores.Length >= BufferedFromScores && scores.Length >= 4 * capacity)
            return SelectBuffered(scores, indices, topScores);

        int count = 0;
        int i = 0;
        // Fill the heap with the first eligible scores.
        for (; i < scores.Length && count < capacity; i++)
        {
            float score = scores[i];
            if (float.IsNaN(score) || score == float.NegativeInfinity)
                continue;
            indices[count] = i;
            topScores[count] = score;
            SiftUp(indices, topScores, count++);
        }
        // Most scores lose to the heap's worst; one comparison against a local threshold rejects them (NaN compares
        // false, and −∞ can never beat a full heap). Later indices lose ties, so only a strictly higher score enters.
        float threshold = count == capacity ? topScores[0] : float.PositiveInfinity;
        for (; i < scores.Length; i++)
        {
            float score = scores[i];
            if (!(score > threshold))
                continue;
            indices[0] = i;
            topScores[0] = score;
            SiftDown(indices, topScores, 0, count);
            threshold = topScores[0];
        }

        // Heap sort in place: repeatedly move the worst remaining to the end of the live region.
        for (int end = count - 1; end > 0; end--)
        {
            Swap(indices, topScores, 0, end);
            SiftDown(indices, topScores, 0, end);
        }
        return count;
    }

    /// <summary>
    /// From this many scores (and at least four per kept one), <see cref="SelectBuffered"/> selects: its vector threshold
    /// test beats the heap's branch per score on long arrays (the best 20 of 20,000: 9 µs against 30 µs), and a heap of
    /// 200 pays a sift of about eight unpredictable levels for each of the ~900 scores that enter it. Below, the buffer's
    /// fixed costs lose (the best 20 of 500: 3.5 µs against 2.1 µs).
    /// </summary>
    internal const int BufferedFromScores = 1024;

    /// <summary>
    /// The same selection as the heap, by <see cref="CandidateCollector"/>: scores above its threshold are appended and
    /// partitioned when the buffer fills, then the kept keys are radix-sorted (<see cref="CandidateKeySort"/>). The keys
    /// order by score, then lower index, as the heap does. From 128 kept, the scan starts from a sampled threshold
    /// (<see cref="ThresholdSample"/>) that about twice the kept number beat, and scans again from −∞ in the rare case
    /// that fewer than that did.
    /// </summary>
    private static int SelectBuffered(ReadOnlySpan<float> scores, Span<int> indices, Span<float> topScores)
    {
        int keep = indices.Length;
        int length = CandidateCollector.BufferLength(keep);
        ulong[] rented = ArrayPool<ulong>.Shared.Rent(length + keep); // the buffer, then the sort's scratch
        try
        {
            var buffer = rented.AsSpan(0, length);
            int stride = ThresholdSample.Stride(keep, scores.Length / Int8BlockScan.BlockItems);
            float start = stride > 0 ? ThresholdSample.Estimate(scores, stride) : float.NegativeInfinity;
            var collector = new CandidateCollector(buffer, keep, excluded: default, start);
            ScoreSink.OfferAbove(ref collector, scores);
            if (!collector.Filled && start != float.NegativeInfinity)
            {
                collector = new CandidateCollector(buffer, keep, excluded: default);
                ScoreSink.OfferAbove(ref collector, scores);
            }

            var kept = collector.FinishKeys();
            CandidateKeySort.Sort(kept, rented.AsSpan(length, kept.Length));
            for (int j = 0; j < kept.Length; j++)
            {
                int row = CandidateCollector.RowOf(kept[kept.Length - 1 - j]);
                indices[j] = row;
                topScores[j] = scores[row]; // the score itself: the key folds −0 into +0
            }
            return kept.Length;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rented);
        }
    }

    // Ranking order: higher score wins, equal scores go to the lower index.
    private static bool IsWorse(float scoreA, int indexA, float scoreB, int indexB) =>
        scoreA < scoreB || (scoreA == scoreB && indexA > indexB);

    private static void SiftUp(Span<int> indices, Span<float> scores, int node)
    {
        while (node > 0)
        {
            int parent = (node - 1) / 2;
            if (!IsWorse(scores[node], indices[node], scores[parent], indices[parent]))
                return;
            Swap(indices, scores, node, parent);
            node = parent;
        }
    }

    private static void SiftDown(Span<int> indices, Span<float> scores, int node, int count)
    {
        while (true)
        {
            int worst = node, left = 2 * node + 1, right = left + 1;
            if (left < count && IsWorse(scores[left], indices[left], scores[worst], indices[worst]))
                worst = left;
            if (right < count && IsWorse(scores[right], indices[right], scores[worst], indices[worst]))
                worst = right;
            if (worst == node)
                return;
            Swap(indices, scores, node, worst);
            node = worst;
        }
    }

    private static void Swap(Span<int> indices, Span<float> scores, int a, int b)
    {
        (indices[a], indices[b]) = (indices[b], indices[a]);
        (scores[a], scores[b]) = (scores[b], scores[a]);
    }
}
