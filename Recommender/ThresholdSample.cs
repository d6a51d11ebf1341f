using System.Runtime.Intrinsics;

namespace Personalization.Recommender;

/// <summary>
/// A starting threshold for a scan that keeps the best <c>keep</c> of many items, estimated from a strided sample of
/// the same scan: the score that about twice <c>keep</c> items beat.
/// </summary>
/// <remarks>
/// <para>A scan that starts from −∞ accepts every row until its buffer first fills, and the threshold then climbs
/// through several partitions: keeping 264 of 20,000 items, about 1,200 entries and five partitions, most of the
/// collector's cost. Started from this estimate it accepts about 2·keep entries and partitions once.</para>
/// <para>It stays exact: the collector keeps only rows above the threshold, so if keep rows beat it the kept set is
/// the best keep, and if fewer do (the sample overestimated, about one search in a hundred) the caller scans again from
/// −∞. The estimate is the r-th best of m sampled rows with r = 2·keep·m/n = 16: the number of the n items above it is
/// then 2·keep in expectation with a relative spread of 1/√r = 25%, so falling below keep is two spreads away.</para>
/// </remarks>
internal ref struct ThresholdSample : IScoreSink
{
    /// <summary>Order statistic of the sample taken as the threshold.</summary>
    internal const int Rank = 16;

    // The best Rank keys so far, ascending: [0] is the worst of them, and its score filters the kernel's lanes, so the
    // sample costs its share of the scan and a few insertions.
    private readonly Span<ulong> _best;
    private ExcludedRows _excluded;
    private int _count;

    private ThresholdSample(Span<ulong> best, ReadOnlySpan<int> excluded)
    {
        _best = best;
        _excluded = new ExcludedRows(excluded);
        Threshold = float.NegativeInfinity;
    }

    /// <summary>The worst of the best <see cref="Rank"/> so far, once there are that many; −∞ before.</summary>
    public float Threshold { get; private set; }

    /// <summary>Added to the rows of the block being sampled.</summary>
    public int RowOffset { get; set; }

    /// <summary>
    /// Blocks between sampled blocks, for <paramref name="keep"/> of <paramref name="blockCount"/> blocks; 0 where the
    /// sample would not pay: fewer than 128 kept (the sample would be more than a 16th of the scan, and a scan keeping
    /// few entries partitions little anyway), fewer than 16 sampled blocks, or more than 1,024 items per kept one (a scan
    /// from −∞ then accepts about keep·ln(n/keep) entries, a small share of n, while the sample stays 8/keep of the
    /// scan: at a million items it measured 4% slower).
    /// </summary>
    internal static int Stride(int keep, int blockCount)
    {
        // m = n / stride sampled items and r = 2·keep·m/n = 2·keep/stride, so r = 16 at stride keep/8.
        int stride = 2 * keep / Rank;
        bool pays = stride >= 16 && blockCount / stride >= 16 && (long)blockCount * Int8BlockScan.BlockItems <= 1024L * keep;
        return pays ? stride : 0;
    }

    /// <summary>The estimate for a scan of <paramref name="itemCount"/> items, scoring one block in every <paramref name="stride"/>.</summary>
    /// <param name="kernel">The scan's kernel.</param>
    /// <param name="blocks">The scan's blocks.</param>
    /// <param name="blockBytes">Bytes per block.</param>
    /// <param name="itemCount">Items in the scan.</param>
    /// <param name="userGroups">The user's codes.</param>
    /// <param name="excluded">Rows the scan will not keep, ascending: not counted in the sample either.</param>
    /// <param name="stride">From <see cref="Stride"/>, at least 1.</param>
    /// <returns>The <see cref="Rank"/>-th best sampled score, or −∞ if fewer were sampled.</returns>
    internal static float Estimate(Int8Kernel kernel, ReadOnlySpan<byte> blocks, int blockBytes, int itemCount, ReadOnlySpan<int> userGroups,
        ReadOnlySpan<int> excluded, int stride)
    {
        Span<ulong> best = stackalloc ulong[Rank];
        var sample = new ThresholdSample(best, excluded);
        int blockCount = (itemCount + Int8BlockScan.BlockItems - 1) / Int8BlockScan.BlockItems;
        // Offset by half a stride so the first block (often the most popular items) is not always in the sample.
        for (int b = stride / 2; b < blockCount; b += stride)
        {
            int first = b * Int8BlockScan.BlockItems;
            sample.RowOffset = first;
            Int8BlockScan.Scan(kernel, blocks.Slice(b * blockBytes, blockBytes), Math.Min(Int8BlockScan.BlockItems, itemCount - first), userGroups,
                ref sample);
        }
        return sample.Threshold;
    }

    /// <summary>The estimate for a selection from a float array (<see cref="TopK"/>), sampling 16 scores in every 16·<paramref name="stride"/>.</summary>
    /// <param name="scores">The array.</param>
    /// <param name="stride">From <see cref="Stride"/> with a block per 16 scores, at least 1.</param>
    /// <returns>The <see cref="Rank"/>-th best sampled score, or −∞ if fewer were sampled (NaN and −∞ are not counted).</returns>
    internal static float Estimate(ReadOnlySpan<float> scores, int stride)
    {
        Span<ulong> best = stackalloc ulong[Rank];
        var sample = new ThresholdSample(best, default);
        const int chunk = Int8BlockScan.BlockItems;
        for (int first = stride / 2 * chunk; first + chunk <= scores.Length; first += stride * chunk)
        {
            sample.RowOffset = first;
            ScoreSink.OfferAbove(ref sample, scores.Slice(first, chunk));
        }
        return sample.Threshold;
    }

    /// <inheritdoc />
    public void Offer(int row, float score)
    {
        row += RowOffset;
        if (!(score > Threshold) || _excluded.Contains(row))
            return;
        var key = CandidateCollector.Key(score, row);
        var best = _best;
        if (_count < Rank)
        {
            int at = _count++;
            for (; at > 0 && best[at - 1] > key; at--) best[at] = best[at - 1];
            best[at] = key;
            if (_count == Rank) Threshold = CandidateCollector.ScoreOf(best[0]);
            return;
        }
        // Full: the new key replaces the worst, and moves up to its place.
        int i = 0;
        for (; i + 1 < Rank && best[i + 1] < key; i++) best[i] = best[i + 1];
        best[i] = key;
        Threshold = CandidateCollector.ScoreOf(best[0]);
    }

    /// <inheritdoc />
    public readonly bool TakesBatches => false;

    /// <inheritdoc />
    public void OfferLanes(int firstRow, uint mask, Vector256<float> low, Vector256<float> high) =>
        ScoreSink.OfferEachLane(ref this, firstRow, mask, low, high);

}
