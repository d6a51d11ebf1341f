using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Personalization.Recommender;

/// <summary>
/// What an int8 scan (<see cref="Int8BlockScan"/>) hands its scores to. The scan is generic over the sink, so each sink
/// gets its own compiled loop with the calls inlined: a search's <see cref="CandidateCollector"/>, or
/// <see cref="AllScoresSink"/> when a caller wants every item's estimate.
/// </summary>
internal interface IScoreSink
{
    /// <summary>Scores at or below this are not offered (a vector comparison per 8 items in the scan).</summary>
    float Threshold { get; }

    /// <summary>Offers one row; rows arrive in ascending order.</summary>
    void Offer(int row, float score);

    /// <summary>Offers the lanes of <paramref name="mask"/> of 16 consecutive rows from <paramref name="firstRow"/>.</summary>
    void OfferLanes(int firstRow, uint mask, Vector256<float> low, Vector256<float> high);

    /// <summary>
    /// Whether a kernel may gather the rows that beat <see cref="Threshold"/> over many blocks and <see cref="Offer"/>
    /// them in batches, in ascending order, reading the threshold again only between batches: true for a sink that keeps
    /// few of many rows, false for one that wants each block as the scan reaches it.
    /// </summary>
    bool TakesBatches { get; }
}

/// <summary>What sinks share.</summary>
internal static class ScoreSink
{
    /// <summary>
    /// Offers the scores of a float array that beat <paramref name="sink"/>'s threshold, as rows 0, 1, … of
    /// <paramref name="scores"/>: 16 at a time with one vector comparison, so only the lanes above it branch (with AVX-512,
    /// and a sink that <see cref="IScoreSink.TakesBatches"/>, they go through a <see cref="LaneStage"/> and nothing
    /// branches on them). NaN and −∞ never compare above a threshold, so they are never offered.
    /// </summary>
    public static void OfferAbove<TSink>(ref TSink sink, ReadOnlySpan<float> scores)
        where TSink : struct, IScoreSink, allows ref struct
    {
        ref float first = ref MemoryMarshal.GetReference(scores);
        int i = 0;
        if (sink.TakesBatches && Avx512F.IsSupported && Vector512.IsHardwareAccelerated)
            i = OfferAboveStaged(ref sink, scores);
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= scores.Length - 16; i += 16)
            {
                var threshold = Vector256.Create(sink.Threshold);
                var low = Vector256.LoadUnsafe(ref first, (nuint)i);
                var high = Vector256.LoadUnsafe(ref first, (nuint)(i + 8));
                uint mask = Vector256.GreaterThan(low, threshold).ExtractMostSignificantBits()
                    | Vector256.GreaterThan(high, threshold).ExtractMostSignificantBits() << 8;
                if (mask != 0)
                    sink.OfferLanes(i, mask, low, high);
            }
        }
        for (; i < scores.Length; i++)
            sink.Offer(i, scores[i]);
    }

    // OfferAbove's whole chunks of 16 through a LaneStage; returns where the remainder starts.
    private static int OfferAboveStaged<TSink>(ref TSink sink, ReadOnlySpan<float> scores)
        where TSink : struct, IScoreSink, allows ref struct
    {
        ref float first = ref MemoryMarshal.GetReference(scores);
        LaneStage stage = default;
        var threshold = Vector512.Create(sink.Threshold);
        int i = 0;
        for (; i <= scores.Length - 16; i += 16)
        {
            var chunk = Vector512.LoadUnsafe(ref first, (nuint)i);
            stage.Add(ref sink, ref threshold, chunk, Vector512<int>.Indices + Vector512.Create(i), Vector512.GreaterThan(chunk, threshold));
        }
        stage.Flush(ref sink);
        return i;
    }

    /// <summary>
    /// Offers the lanes set in <paramref name="mask"/> of a 16-item block (lanes 0–7 in <paramref name="low"/>, 8–15 in
    /// <paramref name="high"/>) one by one, in ascending row order, to <paramref name="sink"/>'s <see cref="IScoreSink.Offer"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void OfferEachLane<TSink>(ref TSink sink, int firstRow, uint mask, Vector256<float> low, Vector256<float> high)
        where TSink : struct, IScoreSink, allows ref struct
    {
        Span<float> lanes = stackalloc float[16];
        low.CopyTo(lanes);
        high.CopyTo(lanes[8..]);
        while (mask != 0)
        {
            int lane = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            sink.Offer(firstRow + lane, lanes[lane]);
        }
    }
}
