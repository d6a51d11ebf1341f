using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// In-place inversion of large dense symmetric positive definite matrices (thousands of rows), as needed by EASE's
/// (XᵀX + λI)⁻¹: blocked, multithreaded and vectorized, in double precision.
/// </summary>
/// <remarks>
/// <para>
/// The algorithm is the symmetric sweep operator (Goodnight 1979; Gauss–Jordan elimination kept symmetric) applied
/// a block of <c>128</c> pivots at a time. Sweeping pivot block p with D = M_pp⁻¹ maps M_pp → −D, M_pR → D·M_pR and
/// M_RR → M_RR − M_pRᵀ·D·M_pR for the remaining indices R; sweeping every block leaves −M⁻¹. For a positive definite
/// matrix every pivot block is a Schur complement and so itself positive definite, which makes pivoting unnecessary
/// and doubles as the test for definiteness. The rank-128 update of the remaining matrix is a symmetric
/// matrix product done on the upper triangle only, n³/2 multiply–adds in all — the same count as the Cholesky route
/// (factor, invert the triangle, multiply it by its transpose), but with a single kernel (<see cref="PackedGemm"/>)
/// doing nearly all the work.
/// </para>
/// <para>
/// Results do not depend on the thread count: every element of every step is produced by exactly one kernel call
/// that sums in a fixed order.
/// </para>
/// </remarks>
public static class DenseSpd
{
    // Pivots swept per step. A multiple of PackedGemm.Columns (and so of Rows) so every pivot block starts on a
    // strip and tile boundary; 128 keeps a packed 16-column strip (16 KB) in L1 while the update's depth stays large
    // enough that the kernel, not memory, sets the pace.
    internal const int PivotBlock = 128;

    // Rows × columns of the trailing matrix handed to a thread at once: 64 rows of the X panel (64 KB) and 512 columns
    // of the Y panel (512 KB) stay in the core's L2 while the band is processed.
    private const int BandRows = 64;
    private const int BlockColumns = 512;

    // Square tiles of the final negate-and-mirror pass: a 64×64 tile of doubles (32 KB) transposes inside L1.
    private const int MirrorTile = 64;

    private const int StripWidth = PackedGemm.Columns;
    private const int StripLength = PivotBlock * StripWidth;

    /// <summary>
    /// Replaces a symmetric positive definite matrix by its inverse, using up to <paramref name="threads"/> threads.
    /// </summary>
    /// <param name="matrix">Row-major n×n; only the upper triangle (diagonal included) is read. On success it holds
    /// the full symmetric inverse (both triangles).</param>
    /// <param name="n">Order of the matrix.</param>
    /// <param name="threads">Maximum degree of parallelism, at least 1; the result does not depend on it.</param>
    /// <param name="cancellationToken">Checked between pivot blocks.</param>
    /// <returns>false if the matrix is not (numerically) positive definite; its contents are then unspecified.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; the matrix contents are unspecified.</exception>
    public static bool TryInvertInPlace(double[] matrix, int n, int threads = 1, CancellationToken cancellationToken = default) =>
        TryInvertInPlace(matrix, n, threads, pivotBlockDone: null, cancellationToken);

    /// <summary>Number of pivot blocks (steps reported by the progress callback) for a matrix of order n.</summary>
    internal static int PivotBlocks(int n) => (n + PivotBlock - 1) / PivotBlock;

    /// <summary>As the public overload, calling <paramref name="pivotBlockDone"/> with the number of pivots swept after each block.</summary>
    internal static bool TryInvertInPlace(
        double[] matrix, int n, int threads, Action<int>? pivotBlockDone, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        if (matrix.Length < (long)n * n)
            throw new ArgumentException($"Matrix needs {(long)n * n} elements, got {matrix.Length}.", nameof(matrix));
        if (n == 0)
            return true;

        int strips = (n + StripWidth - 1) / StripWidth;
        var x = new double[strips * StripLength]; // old pivot rows M_pR, packed in 16-column strips
        var y = new double[strips * StripLength]; // D·M_pR, same packing
        var d = new double[PivotBlock * PivotBlock];
        var tasks = new List<(int Band, int Block)>();

        for (int start = 0; start < n; start += PivotBlock)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int end = Math.Min(start + PivotBlock, n);
            if (!InvertPivotBlock(matrix, n, start, end, d))
                return false;

            int s = start, e = end;
            int firstPivotStrip = s / StripWidth, endPivotStrip = (e + StripWidth - 1) / StripWidth;
            int remainingStrips = strips - (endPivotStrip - firstPivotStrip);
            // Strip index of the r-th strip outside the pivot block.
            int OuterStrip(int r) => r < firstPivotStrip ? r : r + endPivotStrip - firstPivotStrip;

            ParallelFor(remainingStrips, threads, r => PackPivotRows(matrix, n, s, e, OuterStrip(r), x));
            ParallelFor(remainingStrips, threads, r => MultiplyAndWriteBack(matrix, n, s, e, OuterStrip(r), d, x, y));

            tasks.Clear();
            for (int band = 0; band * BandRows < n; band++)
            {
                int bandStart = band * BandRows;
                if (bandStart >= s && bandStart < e)
                    continue; // pivot rows were finished above; bands never straddle a pivot block
                for (int block = bandStart / BlockColumns; block * BlockColumns < n; block++)
                    tasks.Add((band, block));
            }
            ParallelFor(tasks.Count, threads, t => UpdateTrailing(matrix, n, s, e, tasks[t].Band, tasks[t].Block, x, y));

            pivotBlockDone?.Invoke(end);
        }

        // The sweeps leave −M⁻¹ in the upper triangle.
        int tiles = (n + MirrorTile - 1) / MirrorTile;
        ParallelFor(tiles, threads, band => NegateAndMirror(matrix, n, band));
        return true;
    }

    // D = M_pp⁻¹ by an unblocked sweep of the pivot block, written back as −D: the swept value of the block itself.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool InvertPivotBlock(double[] matrix, int n, int s, int e, double[] d)
    {
        int b = e - s;
        const int ld = PivotBlock;
        // Zero padding beyond b makes the rows past the last pivot come out as zeros in the 8-row kernel tiles.
        Array.Clear(d);
        for (int i = 0; i < b; i++)
        {
            for (int j = i; j < b; j++)
            {
                double value = matrix[(long)(s + i) * n + s + j];
                d[i * ld + j] = value;
                d[j * ld + i] = value;
            }
        }

        ref double d0 = ref MemoryMarshal.GetArrayDataReference(d);
        for (int k = 0; k < b; k++)
        {
            double pivot = d[k * ld + k];
            // The negated test also rejects NaN.
            if (!(pivot > 0) || !double.IsFinite(pivot))
                return false;
            double inverse = 1.0 / pivot;
            for (int i = 0; i < b; i++)
            {
                if (i == k)
                    continue;
                double factor = d[i * ld + k] * inverse;
                if (factor != 0)
                    DoubleKernels.MultiplyAddInPlace(ref Unsafe.Add(ref d0, i * ld), ref Unsafe.Add(ref d0, k * ld), -factor, b);
                // Column k of row i was just cancelled to zero; the sweep puts the multiplier there instead.
                d[i * ld + k] = factor;
            }
            for (int j = 0; j < b; j++)
                d[k * ld + j] *= inverse;
            d[k * ld + k] = -inverse;
        }

        for (int i = 0; i < b; i++)
        {
            for (int j = 0; j < b; j++)
                d[i * ld + j] = -d[i * ld + j];
            for (int j = i; j < b; j++)
                matrix[(long)(s + i) * n + s + j] = -d[i * ld + j];
        }
        return true;
    }

    // x[strip] = M[p, strip columns] as depth-major 16-wide rows, read from the upper triangle: columns before the
    // pivot block come from rows above it (M[j, p]), columns after it from the pivot rows themselves.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackPivotRows(double[] matrix, int n, int s, int e, int strip, double[] x)
    {
        int b = e - s;
        Span<double> target = x.AsSpan(strip * StripLength, StripLength);
        int j0 = strip * StripWidth;
        int width = Math.Min(StripWidth, n - j0);
        if (j0 < s)
        {
            for (int c = 0; c < width; c++)
            {
                ReadOnlySpan<double> column = matrix.AsSpan((int)((long)(j0 + c) * n + s), b);
                for (int k = 0; k < b; k++)
                    target[k * StripWidth + c] = column[k];
            }
        }
        else
        {
            for (int k = 0; k < b; k++)
                matrix.AsSpan((int)((long)(s + k) * n + j0), width).CopyTo(target.Slice(k * StripWidth, width));
        }
        if (width < StripWidth)
        {
            for (int k = 0; k < b; k++)
                target.Slice(k * StripWidth + width, StripWidth - width).Clear();
        }
    }

    // y[strip] = D·x[strip], then the swept pivot rows D·M_pR go back into the upper triangle.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyAndWriteBack(double[] matrix, int n, int s, int e, int strip, double[] d, double[] x, double[] y)
    {
        int b = e - s;
        int offset = strip * StripLength;
        ref double xStrip = ref x[offset];
        ref double yStrip = ref y[offset];
        // D is symmetric, so its column r at depth k, D[k, r], is the kernel's left operand at stride PivotBlock.
        for (int row = 0; row < b; row += PackedGemm.Rows)
        {
            PackedGemm.Tile(ref d[row], PivotBlock, ref xStrip, b, ref Unsafe.Add(ref yStrip, row * StripWidth), StripWidth, subtract: false);
        }

        ReadOnlySpan<double> source = y.AsSpan(offset, StripLength);
        int j0 = strip * StripWidth;
        int width = Math.Min(StripWidth, n - j0);
        if (j0 < s)
        {
            for (int c = 0; c < width; c++)
            {
                Span<double> column = matrix.AsSpan((int)((long)(j0 + c) * n + s), b);
                for (int k = 0; k < b; k++)
                    column[k] = source[k * StripWidth + c];
            }
        }
        else
        {
            for (int k = 0; k < b; k++)
                source.Slice(k * StripWidth, width).CopyTo(matrix.AsSpan((int)((long)(s + k) * n + j0), width));
        }
    }

    // M_RR −= xᵀ·y on the upper-triangle tiles of one band of rows and one block of columns. Tiles straddling the
    // diagonal also compute a few elements below it, which are never read and are overwritten by the final mirror.
    [SkipLocalsInit, MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void UpdateTrailing(double[] matrix, int n, int s, int e, int band, int block, double[] x, double[] y)
    {
        int b = e - s;
        Span<double> edge = stackalloc double[PackedGemm.Rows * PackedGemm.Columns];
        int rowStart = band * BandRows, rowEnd = Math.Min(rowStart + BandRows, n);
        int columnStart = block * BlockColumns, columnEnd = Math.Min(columnStart + BlockColumns, n);
        ref double m0 = ref MemoryMarshal.GetArrayDataReference(matrix);

        for (int i0 = rowStart; i0 < rowEnd; i0 += PackedGemm.Rows)
        {
            // Rows i0..i0+7 of xᵀ are columns of the packed x, at offset i0 mod 16 within their strip.
            ref double left = ref x[(i0 / StripWidth) * StripLength + i0 % StripWidth];
            int rows = Math.Min(PackedGemm.Rows, n - i0);
            int firstColumn = Math.Max(columnStart, i0 / StripWidth * StripWidth);
            for (int j0 = firstColumn; j0 < columnEnd; j0 += StripWidth)
            {
                if (j0 >= s && j0 < e)
                    continue;
                ref double right = ref y[(j0 / StripWidth) * StripLength];
                int columns = Math.Min(StripWidth, n - j0);
                ref double c = ref Unsafe.Add(ref m0, (nint)i0 * n + j0);
                if (rows == PackedGemm.Rows && columns == StripWidth)
                {
                    PackedGemm.Tile(ref left, StripWidth, ref right, b, ref c, n, subtract: true);
                    continue;
                }

                // A tile hanging over the matrix edge goes through a full-size scratch tile.
                edge.Clear();
                for (int r = 0; r < rows; r++)
                    MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref c, (nint)r * n), columns).CopyTo(edge.Slice(r * StripWidth, columns));
                PackedGemm.Tile(ref left, StripWidth, ref right, b, ref MemoryMarshal.GetReference(edge), StripWidth, subtract: true);
                for (int r = 0; r < rows; r++)
                    edge.Slice(r * StripWidth, columns).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref c, (nint)r * n), columns));
            }
        }
    }

    // Negates the upper triangle of one band of rows and copies it onto the lower triangle, tile by tile.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NegateAndMirror(double[] matrix, int n, int band)
    {
        int rowStart = band * MirrorTile, rowEnd = Math.Min(rowStart + MirrorTile, n);
        for (int columnStart = rowStart; columnStart < n; columnStart += MirrorTile)
        {
            int columnEnd = Math.Min(columnStart + MirrorTile, n);
            for (int i = rowStart; i < rowEnd; i++)
            {
                long row = (long)i * n;
                for (int j = Math.Max(i, columnStart); j < columnEnd; j++)
                {
                    double value = -matrix[row + j];
                    matrix[row + j] = value;
                    matrix[(long)j * n + i] = value;
                }
            }
        }
    }

    private static void ParallelFor(int count, int threads, Action<int> body)
    {
        if (threads == 1 || count <= 1)
        {
            for (int i = 0; i < count; i++)
                body(i);
            return;
        }
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
        }
        catch (AggregateException aggregate) when (aggregate.InnerExceptions.Count == 1)
        {
            ExceptionDispatchInfo.Throw(aggregate.InnerExceptions[0]);
        }
    }
}
