using System.Runtime.Intrinsics;

namespace Personalization.Recommender;

/// <summary>Writes every item's approximate score into one span.</summary>
internal ref struct AllScoresSink : IScoreSink
{
    private readonly Span<float> _scores;
    private readonly float _scale;

    /// <param name="scores">One slot per item.</param>
    /// <param name="scale">Multiplies every score (the user's quantization scale, to give dot products).</param>
    public AllScoresSink(Span<float> scores, float scale)
    {
        _scores = scores;
        _scale = scale;
    }

    /// <inheritdoc />
    public readonly float Threshold => float.NegativeInfinity;

    /// <inheritdoc />
    public readonly bool TakesBatches => false;

    /// <inheritdoc />
    public readonly void Offer(int row, float score) => _scores[row] = score * _scale;

    /// <inheritdoc />
    public readonly void OfferLanes(int firstRow, uint mask, Vector256<float> low, Vector256<float> high)
    {
        if (mask == 0xFFFF)
        {
            (low * _scale).CopyTo(_scores.Slice(firstRow, 8));
            (high * _scale).CopyTo(_scores.Slice(firstRow + 8, 8));
            return;
        }
        for (int lane = 0; lane < 16; lane++)
        {
            if ((mask & (1u << lane)) != 0)
                _scores[firstRow + lane] = (lane < 8 ? low.GetElement(lane) : high.GetElement(lane - 8)) * _scale;
        }
    }
}
