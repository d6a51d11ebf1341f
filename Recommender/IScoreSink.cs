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
