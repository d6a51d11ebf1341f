using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
}

/// <summary>What sinks share.</summary>
internal static class ScoreSink
{
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
