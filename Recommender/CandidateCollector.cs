using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Personalization.Recommender;

/// <summary>
/// The best approximate scores seen so far during one scan, kept as a min-heap in caller-provided spans (the
/// <see cref="TopK"/> heap), minus the excluded rows.
/// </summary>
/// <remarks>
/// Rows must be offered in ascending order: the exclusion list is then walked with one forward cursor, O(m) over a
/// whole scan, instead of a search per offer. Only scores that beat <see cref="Threshold"/> reach the exclusion
/// check, so a full heap costs the scan one vector comparison per block.
/// </remarks>
internal ref struct CandidateCollector
{
    private readonly Span<int> _rows;
    private readonly Span<float> _scores;
    private readonly ReadOnlySpan<int> _excluded;
    private int _nextExcluded;

    /// <param name="rows">Heap storage for the rows; its length is the number of candidates kept.</param>
    /// <param name="scores">Heap storage for their scores, same length.</param>
    /// <param name="excluded">Rows never to keep, ascending (duplicates allowed).</param>
    public CandidateCollector(Span<int> rows, Span<float> scores, ReadOnlySpan<int> excluded)
    {
        _rows = rows;
        _scores = scores;
        _excluded = excluded;
        Threshold = rows.IsEmpty ? float.PositiveInfinity : float.NegativeInfinity;
    }

    /// <summary>Candidates kept so far (at most the capacity).</summary>
    public int Count { get; private set; }

    /// <summary>
    /// A score must be strictly above this to enter: −∞ until the heap is full (anything finite enters), then the
    /// worst kept score, so a later row never displaces an equal earlier one.
    /// </summary>
    public float Threshold { get; private set; }

    /// <summary>Offers one row; rows arrive in ascending order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Offer(int row, float score)
    {
        if (!(score > Threshold) || IsExcluded(row))
            return;
        if (Count < _rows.Length)
        {
            TopK.HeapPush(_rows, _scores, Count, row, score);
            if (++Count == _rows.Length)
                Threshold = _scores[0];
        }
        else
        {
            TopK.HeapReplaceWorst(_rows, _scores, Count, row, score);
            Threshold = _scores[0];
        }
    }

    /// <summary>
    /// Offers the lanes set in <paramref name="mask"/> of a 16-item block (lanes 0–7 in <paramref name="low"/>,
    /// 8–15 in <paramref name="high"/>). Out of line: after the heap fills, few blocks get here.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void OfferLanes(int firstRow, uint mask, Vector256<float> low, Vector256<float> high)
    {
        while (mask != 0)
        {
            int lane = BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            Offer(firstRow + lane, lane < 8 ? low.GetElement(lane) : high.GetElement(lane - 8));
        }
    }

    private bool IsExcluded(int row)
    {
        var excluded = _excluded;
        int next = _nextExcluded;
        while (next < excluded.Length && excluded[next] < row)
            next++;
        _nextExcluded = next;
        return next < excluded.Length && excluded[next] == row;
    }
}
