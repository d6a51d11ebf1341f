using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// An inverted-file index over int8 codes (IVF, as in Jégou et al. 2011 and FAISS's IndexIVF): the items are split
/// into lists by the direction of their vectors, and a search scans only the lists whose centroids score best for the
/// user, then re-scores its candidates exactly from the float32 factors.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> A flat int8 scan (<see cref="QuantizedItemIndex"/>) reads 68 bytes per item: 68 MB per request
/// at a million items, more than a request's share of two cores at 100 requests/s. Probing a few percent of the lists
/// reads a few percent of that.</para>
/// <para><b>Lists.</b> Spherical k-means (<see cref="SphericalKMeans"/>) over the item directions, about √n lists.
/// Each list's codes are contiguous and start on a 16-item block, in the layout <see cref="Int8BlockScan"/> reads, so a
/// probe is one call of the same kernel over one slice.</para>
/// <para><b>Probing, for inner products.</b> The lists are ranked by u·ĉ times the largest norm in the list (the
/// smallest when u·ĉ is negative): an item's score is its norm times its cosine to u, and within a list the cosine is
/// close to the centroid's. Popular items have the larger norms in implicit-feedback factors, so their lists rank
/// higher for everyone, as their scores do.</para>
/// <para><b>Recall is approximate</b>: an item whose list is not probed is missed, whatever its score. It depends on
/// how clustered the vectors are (trained factors are; Gaussian noise is not), so it is measured on trained and
/// clustered factors (tests and docs/benchmarks.md), and the probes are a parameter.</para>
/// <para><b>Live vectors.</b> <see cref="Update"/> re-quantizes an item in its list. An item whose new direction is
/// nearer another list's centroid is re-scored by every search from then on, until the next model rebuilds the index:
/// live vectors are few next to the catalog, and a new title that takes off must not hide in a list nobody probes.</para>
/// </remarks>
public sealed class IvfItemIndex : IItemIndex
{
    private readonly ReadOnlyMemory<float> _itemFactors;
    private readonly byte[] _storage;
    private readonly int _offset;
    private readonly int _groups;
    private readonly int _blockBytes;
    private readonly float[] _centroids;
    private readonly float[] _largestNorm;
    private readonly float[] _smallestNorm;
    private readonly int[] _listStart;
    private readonly int[] _listCount;
    private readonly int[] _rowAt;
    private readonly int[] _positionOf;
    private readonly int[] _listOf;
    private readonly Lock _movedLock = new();
    private int[] _moved = [];

    /// <summary>Clusters the items into lists, quantizes them list by list, and keeps the factors for the exact re-score.</summary>
    /// <param name="itemFactors">Row-major item factors, all finite; not copied (see <see cref="QuantizedItemIndex"/>).</param>
    /// <param name="factors">Number of factors k per item.</param>
    /// <param name="lists">Number of lists; 0 means <see cref="DefaultListCount"/>.</param>
    /// <param name="seed">Seed of the clustering's sample.</param>
    public IvfItemIndex(ReadOnlyMemory<float> itemFactors, int factors, int lists = 0, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (itemFactors.Length % factors != 0)
            throw new ArgumentException($"{itemFactors.Length} factors do not make whole items of {factors}.", nameof(itemFactors));
        _itemFactors = itemFactors;
        Factors = factors;
        ItemCount = itemFactors.Length / factors;
        ArgumentOutOfRangeException.ThrowIfLessThan(ItemCount, 1, nameof(itemFactors));
        ArgumentOutOfRangeException.ThrowIfNegative(lists);
        for (int row = 0; row < ItemCount; row++)
            if (!TensorPrimitives.IsFiniteAll(itemFactors.Span.Slice(row * factors, factors)))
                throw new ArgumentException($"Item row {row} has a NaN or infinite factor.", nameof(itemFactors));
        ListCount = Math.Min(lists == 0 ? DefaultListCount(ItemCount) : lists, ItemCount);

        // 32 sampled items per list train the centroids well enough (FAISS warns below 39); every item is then assigned.
        _centroids = SphericalKMeans.Train(itemFactors.Span, factors, ListCount, sample: 32 * ListCount, iterations: 8, seed);
        var assignment = new int[ItemCount];
        SphericalKMeans.Assign(itemFactors, factors, _centroids, assignment, []);
        (_storage, _offset, _groups, _blockBytes, _listCount, _listStart, _rowAt, _positionOf, _largestNorm, _smallestNorm, SizeInBytes) =
            Layout(itemFactors, factors, ListCount, assignment);
        _listOf = assignment;
    }

    /// <summary>
    /// The lists and calibration of <paramref name="layout"/> over a copy of its factors: a model whose factors are
    /// copied so live vectors can be written into them keeps its lists, with no clustering or calibration again.
    /// Items whose row in <paramref name="itemFactors"/> differs from the layout's own are placed as
    /// <see cref="Update"/> places a live vector.
    /// </summary>
    /// <param name="itemFactors">The same items in the same rows (not copied).</param>
    /// <param name="layout">The index whose lists to keep.</param>
    public IvfItemIndex(ReadOnlyMemory<float> itemFactors, IvfItemIndex layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (itemFactors.Length != layout._itemFactors.Length)
            throw new ArgumentException($"{itemFactors.Length} factors are not the layout's {layout._itemFactors.Length}.", nameof(itemFactors));
        _itemFactors = itemFactors;
        Factors = layout.Factors;
        ItemCount = layout.ItemCount;
        ListCount = layout.ListCount;
        _centroids = layout._centroids;
        _listOf = layout._listOf;
        (_storage, _offset, _groups, _blockBytes, _listCount, _listStart, _rowAt, _positionOf, _largestNorm, _smallestNorm, SizeInBytes) =
            Layout(itemFactors, Factors, ListCount, _listOf);
        Calibration = layout.Calibration;
        var span = itemFactors.Span;
        var own = layout._itemFactors.Span;
        for (int row = 0; row < ItemCount; row++)
            if (!span.Slice(row * Factors, Factors).SequenceEqual(own.Slice(row * Factors, Factors)))
                Update(row);
    }

    private static (byte[] Storage, int Offset, int Groups, int BlockBytes, int[] ListCount, int[] ListStart, int[] RowAt, int[] PositionOf,
        float[] LargestNorm, float[] SmallestNorm, long Bytes) Layout(ReadOnlyMemory<float> itemFactors, int factors, int listTotal, int[] assignment)
    {
        int itemCount = assignment.Length;
        var listCount = new int[listTotal];
        foreach (int list in assignment) listCount[list]++;
        var listStart = new int[listTotal + 1];
        for (int list = 0; list < listTotal; list++)
            listStart[list + 1] = listStart[list] + RoundUpToBlock(listCount[list]);
        int positions = listStart[listTotal];
        var rowAt = new int[positions];
        rowAt.AsSpan().Fill(-1);
        var positionOf = new int[itemCount];
        var next = listStart[..listTotal];
        for (int row = 0; row < itemCount; row++)
        {
            int position = next[assignment[row]]++;
            rowAt[position] = row;
            positionOf[row] = position;
        }

        int padded = (factors + Int8BlockScan.DimensionMultiple - 1) / Int8BlockScan.DimensionMultiple * Int8BlockScan.DimensionMultiple;
        int groups = padded / 4;
        int blockBytes = Int8BlockScan.BlockBytes(groups);
        long bytes = (long)(positions / Int8BlockScan.BlockItems) * blockBytes;
        if (bytes > Array.MaxLength - 64)
            throw new ArgumentException($"{itemCount} items of {factors} factors exceed one array of int8 codes.", nameof(itemFactors));
        var storage = GC.AllocateArray<byte>((int)bytes + 63, pinned: true);
        int offset = QuantizedItemIndex.AlignmentOffset(storage);
        var blocks = storage.AsSpan(offset, (int)bytes);
        blocks.Fill(128); // code 128 is q = 0: padding adds nothing and is never offered
        for (int at = 0; at < blocks.Length; at += blockBytes) blocks.Slice(at, Int8BlockScan.ScaleBytes).Clear();

        var largestNorm = new float[listTotal];
        var smallestNorm = new float[listTotal];
        smallestNorm.AsSpan().Fill(float.PositiveInfinity);
        var span = itemFactors.Span;
        for (int row = 0; row < itemCount; row++)
        {
            var vector = span.Slice(row * factors, factors);
            QuantizedItemIndex.QuantizeRow(vector, positionOf[row], blocks, blockBytes);
            float norm = TensorPrimitives.Norm(vector);
            int list = assignment[row];
            if (norm > largestNorm[list]) largestNorm[list] = norm;
            if (norm < smallestNorm[list]) smallestNorm[list] = norm;
        }
        return (storage, offset, groups, blockBytes, listCount, listStart, rowAt, positionOf, largestNorm, smallestNorm, bytes);
    }

    /// <inheritdoc />
    public int ItemCount { get; }

    /// <inheritdoc />
    public int Factors { get; }

    /// <summary>Number of lists.</summary>
    public int ListCount { get; }

    /// <summary>Bytes of int8 codes and scales, lists padded to 16-item blocks; the centroids and maps are extra.</summary>
    public long SizeInBytes { get; }

    /// <summary>About √n lists: a probe of p lists then reads about p·√n items, and ranking the lists costs √n dot products.</summary>
    public static int DefaultListCount(int items) => Math.Max(1, (int)Math.Round(Math.Sqrt(items)));

    /// <summary>
    /// Lists probed when the caller does not say: enough for about 8 scanned items per candidate kept, and at least a
    /// 16th of the lists. On clustered factors with log-normal norms a 32nd gave recall@20 0.81, a 16th 0.98, an 8th
    /// 0.998 (50,000 items, 224 lists; IvfItemIndexTests).
    /// </summary>
    public int DefaultProbes(int candidates)
    {
        // A calibrated count answers for the candidates it was measured with; a search keeping more still scans enough
        // items to fill them.
        if (Calibration is { } calibration && candidates <= calibration.Candidates)
            return calibration.Probes;
        double perList = (double)ItemCount / ListCount;
        int forCandidates = (int)Math.Ceiling(8.0 * candidates / perList);
        int floor = Calibration?.Probes ?? (ListCount + 15) / 16;
        return Math.Clamp(Math.Max(forCandidates, floor), 1, ListCount);
    }

    /// <summary>The last <see cref="Calibrate"/>'s result, whose probes searches use by default; null before one.</summary>
    public IvfCalibration? Calibration { get; private set; }

    /// <summary>
    /// Finds the fewest lists to probe for which this index's top <paramref name="k"/> agree with
    /// <paramref name="reference"/>'s (the flat scan it stands in for) on at least <paramref name="targetRecall"/> of
    /// the results over <paramref name="queries"/>, and makes it the default (see <see cref="DefaultProbes"/>).
    /// </summary>
    /// <remarks>
    /// How many lists a target needs depends on how clustered the model's vectors are, which a fixed share of the
    /// lists cannot know: on trained factors a few percent do, on noise nothing short of most of them. Probes double
    /// from one until the target is met, then bisection narrows to the fewest: a search over more lists scans a
    /// superset of a smaller one's, so recall grows with probes (but for rare swaps among the kept candidates). Not
    /// reaching the target within
    /// <paramref name="maxProbes"/> leaves the default probes alone and says so (<see cref="IvfCalibration.Reached"/>).
    /// Call it before the index serves: it is not synchronized with searches.
    /// </remarks>
    /// <param name="reference">The index whose answers count as right, over the same items in the same rows.</param>
    /// <param name="queries">Row-major sample user vectors, <see cref="Factors"/> floats each.</param>
    /// <param name="k">Results compared per query.</param>
    /// <param name="candidates">Approximate candidates each search re-scores, as serving will ask.</param>
    /// <param name="targetRecall">Share of the reference's results to find, in (0, 1].</param>
    /// <param name="maxProbes">Most lists worth probing: past it the flat scan is cheaper or the index is not worth it.</param>
    public IvfCalibration Calibrate(IItemIndex reference, ReadOnlySpan<float> queries, int k, int candidates, double targetRecall, int maxProbes)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.ItemCount != ItemCount || reference.Factors != Factors)
            throw new ArgumentException("The reference index holds other items.", nameof(reference));
        if (queries.Length == 0 || queries.Length % Factors != 0)
            throw new ArgumentException($"Queries must be whole vectors of {Factors} factors, at least one.", nameof(queries));
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, k);
        if (!(targetRecall > 0 && targetRecall <= 1))
            throw new ArgumentOutOfRangeException(nameof(targetRecall), targetRecall, "Must be in (0, 1].");
        maxProbes = Math.Clamp(maxProbes, 1, ListCount);
        k = Math.Min(k, ItemCount);
        int queryCount = queries.Length / Factors;

        var expected = new int[queryCount * k];
        var expectedCount = new int[queryCount];
        var scores = new float[k];
        for (int q = 0; q < queryCount; q++)
        {
            var rows = expected.AsSpan(q * k, k);
            expectedCount[q] = reference.Search(queries.Slice(q * Factors, Factors), rows, scores, candidates: candidates);
            rows[..expectedCount[q]].Sort();
        }
        long total = expectedCount.Sum();
        var found = new int[k];

        double RecallAt(int probes, ReadOnlySpan<float> sample)
        {
            long hits = 0;
            for (int q = 0; q < queryCount; q++)
            {
                int n = Search(sample.Slice(q * Factors, Factors), found, scores, default, candidates, probes);
                var truth = expected.AsSpan(q * k, expectedCount[q]);
                foreach (int row in found.AsSpan(0, n))
                    if (truth.BinarySearch(row) >= 0) hits++;
            }
            return total == 0 ? 1 : (double)hits / total;
        }

        // Doubling, then bisection between the last miss and the first hit.
        int low = 0, high = 1;
        double highRecall = RecallAt(high, queries);
        while (highRecall < targetRecall && high < maxProbes)
        {
            low = high;
            high = Math.Min(2 * high, maxProbes);
            highRecall = RecallAt(high, queries);
        }
        bool reached = highRecall >= targetRecall;
        while (reached && high - low > 1)
        {
            int middle = low + (high - low) / 2;
            double recall = RecallAt(middle, queries);
            if (recall >= targetRecall) (high, highRecall) = (middle, recall);
            else low = middle;
        }

        double scanned = 0;
        var listScores = new float[ListCount];
        var probed = new int[high];
        var probedScores = new float[high];
        for (int q = 0; q < queryCount; q++)
        {
            int n = RankLists(queries.Slice(q * Factors, Factors), listScores, probed, probedScores);
            foreach (int list in probed.AsSpan(0, n)) scanned += _listCount[list];
        }
        var calibration = new IvfCalibration(high, highRecall, reached, ListCount, scanned / queryCount / ItemCount, k, candidates, queryCount);
        if (reached) Calibration = calibration;
        return calibration;
    }

    private Span<byte> Blocks => _storage.AsSpan(_offset, (int)SizeInBytes);

    /// <inheritdoc />
    public int Search(ReadOnlySpan<float> user, Span<int> indices, Span<float> scores, ReadOnlySpan<int> excludedRows = default, int candidates = 0) =>
        Search(user, indices, scores, excludedRows, candidates, probes: 0);

    /// <summary>
    /// <see cref="Search(ReadOnlySpan{float}, Span{int}, Span{float}, ReadOnlySpan{int}, int)"/> over a chosen number of
    /// lists: more probes, more recall, proportionally more bytes read.
    /// </summary>
    /// <param name="user">User vector of <see cref="Factors"/> finite floats.</param>
    /// <param name="indices">Receives item rows; its length is K.</param>
    /// <param name="scores">Receives their exact scores; at least K long.</param>
    /// <param name="excludedRows">Rows never returned, sorted ascending, duplicates allowed.</param>
    /// <param name="candidates">Approximate candidates to re-score; 0 means <see cref="QuantizedItemIndex.DefaultCandidateCount"/>(K).</param>
    /// <param name="probes">Lists to scan; 0 means <see cref="DefaultProbes"/>.</param>
    /// <returns>How many were written: at most K, fewer when the probed lists hold fewer eligible items.</returns>
    public int Search(ReadOnlySpan<float> user, Span<int> indices, Span<float> scores, ReadOnlySpan<int> excludedRows, int candidates, int probes)
    {
        float userMax = QuantizedItemIndex.ValidateSearch(user, Factors, indices.Length, scores.Length, candidates, excludedRows, ItemCount);
        ArgumentOutOfRangeException.ThrowIfNegative(probes);

        int k = indices.Length;
        if (k == 0)
            return 0;
        int keep = Math.Min(Math.Max(candidates == 0 ? QuantizedItemIndex.DefaultCandidateCount(k) : candidates, k), ItemCount);
        int probe = Math.Min(probes == 0 ? DefaultProbes(keep) : probes, ListCount);

        int bufferLength = CandidateCollector.BufferLength(keep);
        ulong[]? rentedBuffer = null;
        int[]? rentedRows = null, rentedGroups = null, rentedMoved = null;
        float[]? rentedScores = null, rentedMovedScores = null;
        var listScores = ArrayPool<float>.Shared.Rent(ListCount);
        var probed = ArrayPool<int>.Shared.Rent(probe);
        var probedScores = ArrayPool<float>.Shared.Rent(probe);
        var excludedPositions = ArrayPool<int>.Shared.Rent(Math.Max(1, excludedRows.Length));
        try
        {
            var lists = probed.AsSpan(0, RankLists(user, listScores.AsSpan(0, ListCount), probed.AsSpan(0, probe), probedScores));
            lists.Sort(); // list order is position order, which the collector needs ascending

            var excluded = excludedPositions.AsSpan(0, excludedRows.Length);
            for (int i = 0; i < excluded.Length; i++) excluded[i] = _positionOf[excludedRows[i]];
            excluded.Sort();

            Span<ulong> buffer = bufferLength <= QuantizedItemIndex.StackBuffer
                ? stackalloc ulong[bufferLength]
                : (rentedBuffer = ArrayPool<ulong>.Shared.Rent(bufferLength)).AsSpan(0, bufferLength);
            Span<int> found = keep <= QuantizedItemIndex.StackCandidates ? stackalloc int[keep] : (rentedRows = ArrayPool<int>.Shared.Rent(keep)).AsSpan(0, keep);
            Span<float> exact = keep <= QuantizedItemIndex.StackCandidates
                ? stackalloc float[keep]
                : (rentedScores = ArrayPool<float>.Shared.Rent(keep)).AsSpan(0, keep);
            Span<int> userGroups = _groups <= QuantizedItemIndex.StackGroups
                ? stackalloc int[_groups]
                : (rentedGroups = ArrayPool<int>.Shared.Rent(_groups)).AsSpan(0, _groups);
            var kernel = Int8BlockScan.Best;
            QuantizedItemIndex.QuantizeUser(user, userMax, MemoryMarshal.AsBytes(userGroups), Int8BlockScan.UserCodeLimit(kernel));

            var collector = new CandidateCollector(buffer, keep, excluded);
            var blocks = Blocks;
            foreach (int list in lists)
            {
                int count = _listCount[list];
                if (count == 0) continue;
                int start = _listStart[list];
                collector.RowOffset = start;
                Int8BlockScan.Scan(kernel, blocks.Slice(start / Int8BlockScan.BlockItems * _blockBytes, RoundUpToBlock(count) / Int8BlockScan.BlockItems * _blockBytes),
                    count, userGroups, ref collector);
            }

            // Positions to rows; items whose live vector left their list's direction join as candidates wherever
            // their list ranked. Then re-score in row order so ties go to the lower row, as in the flat index.
            found = found[..collector.Finish(found)];
            for (int i = 0; i < found.Length; i++) found[i] = _rowAt[found[i]];
            var moved = _moved;
            if (moved.Length > 0)
            {
                rentedMoved = ArrayPool<int>.Shared.Rent(found.Length + moved.Length);
                rentedMovedScores = ArrayPool<float>.Shared.Rent(found.Length + moved.Length);
                found.CopyTo(rentedMoved);
                int count = found.Length;
                foreach (int row in moved)
                    if (excludedRows.BinarySearch(row) < 0) rentedMoved[count++] = row;
                found = rentedMoved.AsSpan(0, count);
                found.Sort();
                found = found[..Deduplicate(found)];
                exact = rentedMovedScores;
            }
            return QuantizedItemIndex.RescoreExact(_itemFactors.Span, Factors, user, found, exact, indices, scores);
        }
        finally
        {
            if (rentedMoved is not null) ArrayPool<int>.Shared.Return(rentedMoved);
            if (rentedMovedScores is not null) ArrayPool<float>.Shared.Return(rentedMovedScores);
            if (rentedBuffer is not null) ArrayPool<ulong>.Shared.Return(rentedBuffer);
            if (rentedRows is not null) ArrayPool<int>.Shared.Return(rentedRows);
            if (rentedScores is not null) ArrayPool<float>.Shared.Return(rentedScores);
            if (rentedGroups is not null) ArrayPool<int>.Shared.Return(rentedGroups);
            ArrayPool<float>.Shared.Return(listScores);
            ArrayPool<int>.Shared.Return(probed);
            ArrayPool<float>.Shared.Return(probedScores);
            ArrayPool<int>.Shared.Return(excludedPositions);
        }
    }

    /// <summary>The lists most likely to hold the user's best items: u·ĉ times the list's largest (or smallest) norm.</summary>
    private int RankLists(ReadOnlySpan<float> user, Span<float> listScores, Span<int> lists, float[] listScoreBuffer)
    {
        Scoring.ScoreAll(_centroids, Factors, user, listScores);
        for (int list = 0; list < listScores.Length; list++)
        {
            float cosine = listScores[list];
            listScores[list] = _listCount[list] == 0 ? float.NegativeInfinity
                : cosine * (cosine >= 0 ? _largestNorm[list] : _smallestNorm[list]);
        }
        return TopK.Select(listScores, lists, listScoreBuffer);
    }

    /// <summary>
    /// Re-quantizes one item after its factors changed in place (a live item vector). If its new direction is nearer
    /// another list's centroid, every search also re-scores it from then on (it stays in its list's codes too), since
    /// the lists probed for the users it now suits may not include its own.
    /// </summary>
    /// <param name="item">The item's row.</param>
    public void Update(int item)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(item);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(item, ItemCount);
        var vector = _itemFactors.Span.Slice(item * Factors, Factors);
        QuantizedItemIndex.QuantizeRow(vector, _positionOf[item], Blocks, _blockBytes);
        Widen(_listOf[item], TensorPrimitives.Norm(vector));

        var cosines = ArrayPool<float>.Shared.Rent(ListCount);
        try
        {
            Scoring.ScoreAll(_centroids, Factors, vector, cosines.AsSpan(0, ListCount));
            if (TensorPrimitives.IndexOfMax(cosines.AsSpan(0, ListCount)) == _listOf[item]) return;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(cosines);
        }
        lock (_movedLock)
        {
            // Copy on write: searches read the array without a lock.
            if (Array.BinarySearch(_moved, item) >= 0) return;
            var moved = new int[_moved.Length + 1];
            _moved.CopyTo(moved, 0);
            moved[^1] = item;
            Array.Sort(moved);
            _moved = moved;
        }
    }

    /// <summary>Items re-scored by every search because their live vector left their list's direction.</summary>
    public int MovedCount => _moved.Length;

    private static int Deduplicate(Span<int> sorted)
    {
        int kept = 0;
        for (int i = 0; i < sorted.Length; i++)
            if (kept == 0 || sorted[i] != sorted[kept - 1]) sorted[kept++] = sorted[i];
        return kept;
    }

    /// <summary>The list's norm range grows to take <paramref name="norm"/>; it never shrinks, so ranking stays an estimate from above.</summary>
    private void Widen(int list, float norm)
    {
        if (norm > _largestNorm[list]) _largestNorm[list] = norm;
        if (norm < _smallestNorm[list]) _smallestNorm[list] = norm;
    }

    private static int RoundUpToBlock(int count) => (count + Int8BlockScan.BlockItems - 1) / Int8BlockScan.BlockItems * Int8BlockScan.BlockItems;
}
