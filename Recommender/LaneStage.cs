using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Personalization.Recommender;

/// <summary>
/// Rows that beat a sink's threshold, gathered sixteen lanes at a time without a branch on the lanes and offered to the
/// sink a batch at a time (for sinks that <see cref="IScoreSink.TakesBatches"/>; AVX-512 only).
/// </summary>
/// <remarks>
/// Each <see cref="Add{TSink}"/> compresses the passing lanes' scores and rows (<c>vcompressps</c>/<c>vpcompressd</c>) to
/// the end of the stage, storing all sixteen lanes whatever passed, and advances by how many did. Offered one block at a
/// time, a search's passing rows (about one in forty, one block in three, at random) each cost a mispredicted branch and an
/// out-of-line call around which a scan's vector registers were spilled. The sink sees the same rows in the same
/// ascending order; only its threshold is read less often (after each batch), so a few more rows reach it.
/// </remarks>
internal struct LaneStage
{
    /// <summary>Rows a batch holds before it is offered.</summary>
    public const int Batch = 256;

    /// <summary>Slots of each buffer: a batch, and room for the sixteen lanes a store writes.</summary>
    private const int Length = Batch + 16;

    // Inline, so a stage is one local of its scan (2.2 KB, zeroed once per scan).
    private Scores _scores;
    private Rows _rows;
    private int _count;

    /// <summary>
    /// Stages the lanes of <paramref name="scores"/> set in <paramref name="passed"/> (all bits set, or none, per lane),
    /// with their <paramref name="rows"/>; when a batch is full, offers it and reloads <paramref name="threshold"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Add<TSink>(ref TSink sink, ref Vector512<float> threshold, Vector512<float> scores, Vector512<int> rows, Vector512<float> passed)
        where TSink : struct, IScoreSink, allows ref struct
    {
        // _count < Batch here, so both stores stay inside Length.
        Avx512F.Compress(Vector512<float>.Zero, passed, scores).StoreUnsafe(ref _scores[0], (nuint)_count);
        Avx512F.Compress(Vector512<int>.Zero, passed.AsInt32(), rows).StoreUnsafe(ref _rows[0], (nuint)_count);
        _count += BitOperations.PopCount(passed.ExtractMostSignificantBits());
        if (_count >= Batch)
        {
            Flush(ref sink);
            threshold = Vector512.Create(sink.Threshold);
        }
    }

    /// <summary>Offers what is staged, in order, and empties the stage.</summary>
    public void Flush<TSink>(ref TSink sink) where TSink : struct, IScoreSink, allows ref struct
    {
        for (int i = 0; i < _count; i++)
            sink.Offer(_rows[i], _scores[i]);
        _count = 0;
    }

    [InlineArray(Length)]
    private struct Scores
    {
        private float _first;
    }

    [InlineArray(Length)]
    private struct Rows
    {
        private int _first;
    }
}
