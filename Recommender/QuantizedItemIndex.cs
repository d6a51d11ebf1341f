using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Personalization.Recommender;

/// <summary>
/// Top-K retrieval over the item factors through an int8 copy of them: an approximate scan that reads a quarter of
/// the bytes of a float32 scan, then an exact float32 re-score of the few best candidates.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> Scoring the whole catalog in float32 (<see cref="Scoring.ScoreAll"/>) is bound by memory
/// bandwidth at a million items: 64 factors are 256 MB per request. The int8 codes are 64 bytes per item plus a
/// 4-byte scale, 68 MB per scan, scored with byte dot-product instructions (see <see cref="Int8BlockScan"/>).</para>
/// <para><b>Quantization: symmetric, one scale per item.</b> Item i's codes are round(x·127 / max|x_i|) ∈ [−127, 127]
/// with scale max|x_i| / 127; the user vector is quantized the same way per request. A per-item scale factors out of the
/// dot product, so the kernel sums pure integers and multiplies once per item; and it keeps each row's relative
/// precision whatever its norm. Item norms in implicit-feedback factor models grow with popularity and span orders of
/// magnitude, so one global or per-dimension scale would either clip popular items or leave the long tail a handful of
/// levels; per-dimension scales would fold into the user vector just as cheaply but cannot follow row norms.</para>
/// <para><b>Exact results.</b> The scan keeps the best <c>candidates</c> approximate scores (default
/// <see cref="DefaultCandidateCount"/>), then re-scores them from the float32 factors with the same arithmetic as
/// <see cref="Scoring.ScoreAll"/> and returns the top K of those, ties to the lower row. The returned scores are
/// therefore exactly the full scan's; an item is missed only if quantization error pushes it below the
/// candidates-th approximate score, which the oversampling makes rare (see the tests and docs/benchmarks.md).</para>
/// <para><b>Concurrency.</b> A search keeps its state on the stack (or in arrays rented from
/// <see cref="ArrayPool{T}.Shared"/> for unusually large K or k), so any number of threads may search at once. A search
/// is single-threaded by design: the server runs many requests at once. <see cref="Update"/> rewrites one row in
/// place: a search that meets the row mid-write estimates that one item from a mix of old and new codes (and re-scores
/// it exactly if it is a candidate).</para>
/// </remarks>
public sealed class QuantizedItemIndex : IItemIndex
{
    // Scratch up to these sizes lives on the stack (≤ 16 KB of collector buffer, ≤ 8 KB of candidates, ≤ 1 KB of user
    // codes); larger is rented.
    internal const int StackBuffer = 2048;
    internal const int StackCandidates = 1024;
    internal const int StackGroups = 256;

    private readonly ReadOnlyMemory<float> _itemFactors;
    private readonly byte[] _storage;
    private readonly int _offset;
    private readonly int _groups;

    /// <summary>Quantizes the item factors and keeps a reference to them for the exact re-score.</summary>
    /// <param name="itemFactors">
    /// Row-major item factors, <paramref name="factors"/> floats per item, all finite. Not copied: the index reads them
    /// on every search, so they must not change while it is in use.
    /// </param>
    /// <param name="factors">Number of factors k per item.</param>
    public QuantizedItemIndex(ReadOnlyMemory<float> itemFactors, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (itemFactors.Length % factors != 0)
            throw new ArgumentException($"{itemFactors.Length} factors do not make whole items of {factors}.", nameof(itemFactors));
        _itemFactors = itemFactors;
        Factors = factors;
        ItemCount = itemFactors.Length / factors;
        int padded = (factors + Int8BlockScan.DimensionMultiple - 1) / Int8BlockScan.DimensionMultiple * Int8BlockScan.DimensionMultiple;
        _groups = padded / 4;

        long blockCount = (ItemCount + Int8BlockScan.BlockItems - 1) / Int8BlockScan.BlockItems;
        long bytes = blockCount * Int8BlockScan.BlockBytes(_groups);
        if (bytes > Array.MaxLength - 64)
            throw new ArgumentException($"{ItemCount} items of {factors} factors exceed one array of int8 codes.", nameof(itemFactors));
        SizeInBytes = bytes;
        // The pinned object heap never moves the array, so the 64-byte alignment chosen here holds for its lifetime
        // and every group load stays within one cache line.
        _storage = GC.AllocateArray<byte>((int)bytes + 63, pinned: true);
        _offset = AlignmentOffset(_storage);
        Quantize(itemFactors.Span, factors, _groups, _storage.AsSpan(_offset, (int)bytes));
    }

    /// <summary>Number of items (rows).</summary>
    public int ItemCount { get; }

    /// <summary>Number of factors k per item.</summary>
    public int Factors { get; }

    /// <summary>Bytes of int8 codes and scales a search reads: about (k rounded up to 8) + 4 per item.</summary>
    public long SizeInBytes { get; }

    /// <summary>
    /// Candidates kept for exact re-scoring when the caller does not say: max(4·K, K + 64). The margin covers the ranks
    /// quantization error can swap near the K-th score. On Gaussian or clustered factors with spread-out norms K + 4
    /// candidates already find the exact top 20; on a million near-duplicate items of equal norm (tight clusters, the
    /// hardest synthetic case in docs/benchmarks.md) recall@20 is ~0.99 with 2·K and ~0.998 with this default.
    /// Re-scoring a hundred rows costs microseconds against a scan of the catalog.
    /// </summary>
    public static int DefaultCandidateCount(int k) => (int)Math.Min(int.MaxValue, Math.Max(4L * k, k + 64L));

    private ReadOnlySpan<byte> Blocks => _storage.AsSpan(_offset, (int)SizeInBytes);

    /// <summary>
    /// Writes the indices.Length best items for <paramref name="user"/> (highest user·item first, ties to the lower
    /// row), with their exact float32 scores, skipping <paramref name="excludedRows"/>.
    /// </summary>
    /// <param name="user">User vector of <see cref="Factors"/> finite floats.</param>
    /// <param name="indices">Receives item rows; its length is K.</param>
    /// <param name="scores">Receives their exact scores (as <see cref="Scoring.ScoreAll"/> computes them); at least K long.</param>
    /// <param name="excludedRows">
    /// Rows never returned (already seen, already on the page), sorted ascending, duplicates allowed. A sorted span
    /// rather than a set or predicate: the scan meets rows in order and walks it with one cursor, with no allocation or
    /// callback; callers holding a set copy it into a rented buffer and sort it.
    /// </param>
    /// <param name="candidates">
    /// Approximate candidates to re-score; 0 means <see cref="DefaultCandidateCount"/>(K). Raised to K if smaller; more
    /// trades a little time for recall.
    /// </param>
    /// <returns>How many were written: min(K, items not excluded).</returns>
    public int Search(ReadOnlySpan<float> user, Span<int> indices, Span<float> scores, ReadOnlySpan<int> excludedRows = default,
        int candidates = 0) =>
        Search(user, indices, scores, excludedRows, candidates, Int8BlockScan.Best);

    /// <summary>
    /// <see cref="Search(ReadOnlySpan{float}, Span{int}, Span{float}, ReadOnlySpan{int}, int)"/> with a chosen kernel and
    /// user code limit (0: the kernel's, <see cref="Int8BlockScan.UserCodeLimit"/>), for tests and benchmarks; with
    /// <c>sampleThreshold</c> false the scan starts from −∞ instead of a sampled threshold (<see cref="ThresholdSample"/>),
    /// to measure what the sample saves.
    /// </summary>
    internal int Search(ReadOnlySpan<float> user, Span<int> indices, Span<float> scores, ReadOnlySpan<int> excludedRows,
        int candidates, Int8Kernel kernel, int userCodeLimit = 0, bool sampleThreshold = true)
    {
        float userMax = ValidateSearch(user, Factors, indices.Length, scores.Length, candidates, excludedRows, ItemCount);

        int k = indices.Length;
        if (k == 0 || ItemCount == 0)
            return 0;
        int keep = Math.Min(Math.Max(candidates == 0 ? DefaultCandidateCount(k) : candidates, k), ItemCount);

        int bufferLength = CandidateCollector.BufferLength(keep);
        ulong[]? rentedBuffer = null;
        int[]? rentedRows = null, rentedGroups = null;
        float[]? rentedScores = null;
        try
        {
            Span<ulong> buffer = bufferLength <= StackBuffer
                ? stackalloc ulong[bufferLength]
                : (rentedBuffer = ArrayPool<ulong>.Shared.Rent(bufferLength)).AsSpan(0, bufferLength);
            Span<int> rows = keep <= StackCandidates ? stackalloc int[keep] : (rentedRows = ArrayPool<int>.Shared.Rent(keep)).AsSpan(0, keep);
            Span<float> exact = keep <= StackCandidates
                ? stackalloc float[keep]
                : (rentedScores = ArrayPool<float>.Shared.Rent(keep)).AsSpan(0, keep);
            Span<int> userGroups = _groups <= StackGroups
                ? stackalloc int[_groups]
                : (rentedGroups = ArrayPool<int>.Shared.Rent(_groups)).AsSpan(0, _groups);
            QuantizeUser(user, userMax, MemoryMarshal.AsBytes(userGroups), userCodeLimit == 0 ? Int8BlockScan.UserCodeLimit(kernel) : userCodeLimit);

            float start = sampleThreshold ? SampledThreshold(kernel, userGroups, excludedRows, keep) : float.NegativeInfinity;
            var collector = new CandidateCollector(buffer, keep, excludedRows, start);
            Int8BlockScan.Scan(kernel, Blocks, ItemCount, userGroups, ref collector);
            if (!collector.Filled && start != float.NegativeInfinity)
            {
                // The sample overestimated: fewer than keep rows beat it. Scan again from the bottom.
                collector = new CandidateCollector(buffer, keep, excludedRows);
                Int8BlockScan.Scan(kernel, Blocks, ItemCount, userGroups, ref collector);
            }

            return RescoreExact(_itemFactors.Span, Factors, user, rows[..collector.Finish(rows)], exact, indices, scores);
        }
        finally
        {
            if (rentedBuffer is not null) ArrayPool<ulong>.Shared.Return(rentedBuffer);
            if (rentedRows is not null) ArrayPool<int>.Shared.Return(rentedRows);
            if (rentedScores is not null) ArrayPool<float>.Shared.Return(rentedScores);
            if (rentedGroups is not null) ArrayPool<int>.Shared.Return(rentedGroups);
        }
    }

    // The scan's starting threshold from a strided sample of its blocks, or −∞ where the sample would not pay.
    private float SampledThreshold(Int8Kernel kernel, ReadOnlySpan<int> userGroups, ReadOnlySpan<int> excludedRows, int keep)
    {
        int blockCount = (ItemCount + Int8BlockScan.BlockItems - 1) / Int8BlockScan.BlockItems;
        int stride = ThresholdSample.Stride(keep, blockCount);
        return stride == 0
            ? float.NegativeInfinity
            : ThresholdSample.Estimate(kernel, Blocks, Int8BlockScan.BlockBytes(_groups), ItemCount, userGroups, excludedRows, stride);
    }

    /// <summary>
    /// Every item's approximate score user·item from the int8 codes, for a caller that needs a score per item (a home
    /// page whose rows each pick from the whole catalog) and can accept the quantization error: with one scale per item
    /// and per user the estimate's error is a small fraction of the item's and the user's largest factors' product, so
    /// it reorders only near-ties. Reads a quarter of the bytes of <see cref="Scoring.ScoreAll"/>.
    /// </summary>
    /// <param name="user">User vector of <see cref="Factors"/> finite floats.</param>
    /// <param name="scores">Receives one estimate per item; exactly <see cref="ItemCount"/> long.</param>
    public void EstimateAll(ReadOnlySpan<float> user, Span<float> scores) => EstimateAll(user, scores, Int8BlockScan.Best);

    /// <summary>
    /// <see cref="EstimateAll(ReadOnlySpan{float}, Span{float})"/> with a chosen kernel and user code limit (0: the
    /// kernel's, <see cref="Int8BlockScan.UserCodeLimit"/>), for tests.
    /// </summary>
    internal void EstimateAll(ReadOnlySpan<float> user, Span<float> scores, Int8Kernel kernel, int userCodeLimit = 0)
    {
        if (user.Length != Factors)
            throw new ArgumentException($"User vector needs {Factors} elements, got {user.Length}.", nameof(user));
        if (scores.Length != ItemCount)
            throw new ArgumentException($"scores needs {ItemCount} elements, got {scores.Length}.", nameof(scores));
        float userMax = MathF.Abs(TensorPrimitives.MaxMagnitude(user));
        if (!float.IsFinite(userMax))
            throw new ArgumentException("User vector has a NaN or infinite element.", nameof(user));
        int[]? rentedGroups = null;
        try
        {
            Span<int> userGroups = _groups <= StackGroups
                ? stackalloc int[_groups]
                : (rentedGroups = ArrayPool<int>.Shared.Rent(_groups)).AsSpan(0, _groups);
            int limit = userCodeLimit == 0 ? Int8BlockScan.UserCodeLimit(kernel) : userCodeLimit;
            QuantizeUser(user, userMax, MemoryMarshal.AsBytes(userGroups), limit);
            var sink = new AllScoresSink(scores, userMax / limit);
            Int8BlockScan.Scan(kernel, Blocks, ItemCount, userGroups, ref sink);
        }
        finally
        {
            if (rentedGroups is not null) ArrayPool<int>.Shared.Return(rentedGroups);
        }
    }

    /// <summary>Checks a search's arguments (the exceptions name the argument); returns max|user|.</summary>
    internal static float ValidateSearch(ReadOnlySpan<float> user, int factors, int indices, int scores, int candidates,
        ReadOnlySpan<int> excludedRows, int itemCount)
    {
        if (user.Length != factors)
            throw new ArgumentException($"User vector needs {factors} elements, got {user.Length}.", nameof(user));
        if (scores < indices)
            throw new ArgumentException($"scores ({scores}) must be at least as long as indices ({indices}).", nameof(scores));
        ArgumentOutOfRangeException.ThrowIfNegative(candidates);
        ValidateExcluded(excludedRows, itemCount);
        float userMax = MathF.Abs(TensorPrimitives.MaxMagnitude(user));
        if (!float.IsFinite(userMax))
            throw new ArgumentException("User vector has a NaN or infinite element.", nameof(user));
        return userMax;
    }

    /// <summary>
    /// Re-scores the candidate <paramref name="rows"/> (distinct, in any order; reordered here) exactly and writes the
    /// best indices.Length of them, ties to the lower row as in the full scan.
    /// </summary>
    internal static int RescoreExact(ReadOnlySpan<float> itemFactors, int factors, ReadOnlySpan<float> user, Span<int> rows,
        Span<float> exact, Span<int> indices, Span<float> scores)
    {
        exact = exact[..rows.Length];
        PrefetchRows(itemFactors, factors, rows);
        // Keeping most of them (a reranker's pool of 200 from 264, a page's thousands): one sort of (score, row) keys
        // beats a heap as deep, and the keys break ties by row whatever the order the rows came in.
        if (2 * indices.Length >= rows.Length && rows.Length > 64)
        {
            Scoring.ScoreRows(itemFactors, factors, user, rows, exact);
            return SortAll(rows, exact, indices, scores);
        }
        // TopK breaks ties by position: ascending rows make that the lower row.
        rows.Sort();
        Scoring.ScoreRows(itemFactors, factors, user, rows, exact);
        int written = TopK.Select(exact, indices, scores);
        for (int i = 0; i < written; i++)
            indices[i] = rows[indices[i]];
        return written;
    }

    // Asks for every candidate row's cache lines before the first is scored: the rows are scattered over the catalog
    // and mostly not cached (the scan has just streamed the codes through), and the dot products alone keep only a few
    // rows' misses in flight. Measured in one process, alternating per search at 20,000 × 64: 2 µs less per search with
    // hot rows, 3-4 µs less with rows out of the caches.
    private static unsafe void PrefetchRows(ReadOnlySpan<float> itemFactors, int factors, ReadOnlySpan<int> rows)
    {
        if (!Sse.IsSupported)
            return;
        int rowBytes = factors * sizeof(float);
        fixed (float* first = itemFactors)
        {
            foreach (int row in rows)
            {
                // Rows come from the scan, inside the matrix; a prefetch of any address cannot fault anyway.
                byte* line = (byte*)(first + (long)row * factors);
                for (int b = 0; b < rowBytes; b += 64)
                    Sse.Prefetch0(line + b);
            }
        }
    }

    /// <summary>
    /// The best indices.Length candidates in order, for a caller that keeps most of them: one radix sort of (score, row)
    /// keys instead of a heap as deep as the list; the same order and ties as <see cref="TopK.Select"/>.
    /// </summary>
    private static int SortAll(ReadOnlySpan<int> rows, ReadOnlySpan<float> exact, Span<int> indices, Span<float> scores)
    {
        var keys = ArrayPool<ulong>.Shared.Rent(2 * rows.Length);
        try
        {
            var span = keys.AsSpan(0, rows.Length);
            for (int i = 0; i < span.Length; i++) span[i] = CandidateCollector.Key(exact[i], rows[i]);
            CandidateKeySort.Sort(span, keys.AsSpan(rows.Length, rows.Length));
            int written = Math.Min(indices.Length, span.Length);
            for (int i = 0; i < written; i++)
            {
                ulong key = span[span.Length - 1 - i];
                indices[i] = CandidateCollector.RowOf(key);
                scores[i] = CandidateCollector.ScoreOf(key);
            }
            return written;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
        }
    }

    internal static void ValidateExcluded(ReadOnlySpan<int> excluded, int itemCount)
    {
        const string name = "excludedRows";
        int previous = 0;
        foreach (int row in excluded)
        {
            if ((uint)row >= (uint)itemCount)
                throw new ArgumentOutOfRangeException(name, row, $"Excluded row outside [0, {itemCount}).");
            if (row < previous)
                throw new ArgumentException("Excluded rows must be sorted ascending.", name);
            previous = row;
        }
    }

    // Symmetric codes round(x·limit/max|x|) as signed bytes (limit 127, or 64 for the AVX-512 kernel); padding
    // dimensions stay zero. The user's scale is not needed: it multiplies every score alike.
    internal static void QuantizeUser(ReadOnlySpan<float> user, float max, Span<byte> codes, int limit)
    {
        codes.Clear();
        if (max == 0f)
            return;
        float inverse = limit / max;
        for (int d = 0; d < user.Length; d++)
            codes[d] = (byte)(sbyte)Math.Clamp((int)MathF.Round(user[d] * inverse), -limit, limit);
    }

    /// <summary>
    /// Re-quantizes one item after its factors changed in place (a live item vector): the index reads the factors it
    /// was built on, so the exact re-score already sees the new values.
    /// </summary>
    /// <param name="item">The item's row.</param>
    /// <exception cref="ArgumentException">The row's factors are not finite.</exception>
    public void Update(int item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(item, ItemCount);
        QuantizeRow(_itemFactors.Span.Slice(item * Factors, Factors), item, _storage.AsSpan(_offset, (int)SizeInBytes), Int8BlockScan.BlockBytes(_groups));
    }

    private static void Quantize(ReadOnlySpan<float> factors, int k, int groups, Span<byte> blocks)
    {
        int itemCount = factors.Length / k;
        int blockBytes = Int8BlockScan.BlockBytes(groups);
        // Code 128 is q = 0: padding dimensions and padding items add nothing (padding items are also never offered).
        blocks.Fill(128);
        for (int at = 0; at < blocks.Length; at += blockBytes)
            blocks.Slice(at, Int8BlockScan.ScaleBytes).Clear();
        for (int item = 0; item < itemCount; item++)
            QuantizeRow(factors.Slice(item * k, k), item, blocks, blockBytes);
    }

    internal static void QuantizeRow(ReadOnlySpan<float> row, int item, Span<byte> blocks, int blockBytes)
    {
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(row));
        if (!float.IsFinite(max))
            throw new ArgumentException($"Item row {item} has a NaN or infinite factor.", nameof(row));
        var block = blocks.Slice(item / Int8BlockScan.BlockItems * blockBytes, blockBytes);
        int lane = item % Int8BlockScan.BlockItems;
        MemoryMarshal.Cast<byte, float>(block[..Int8BlockScan.ScaleBytes])[lane] = max / 127f;
        float inverse = max == 0f ? 0f : 127f / max;
        for (int d = 0; d < row.Length; d++)
        {
            int q = Math.Clamp((int)MathF.Round(row[d] * inverse), -127, 127);
            block[Int8BlockScan.ScaleBytes + d / 4 * Int8BlockScan.GroupBytes + lane * 4 + d % 4] = (byte)(q + 128);
        }
    }

    internal static unsafe int AlignmentOffset(byte[] pinned)
    {
        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));
        return (int)((64 - address % 64) % 64);
    }
}
