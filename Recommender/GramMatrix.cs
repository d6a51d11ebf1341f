using System.Buffers;

namespace Personalization.Recommender;

/// <summary>The Gram matrix YᵀY of a row-major factor matrix Y, the shared term of every ALS row solve.</summary>
public static class GramMatrix
{
    // Rows are summed in fixed chunks whose partial sums are added in chunk order, so the result is bit-identical
    // whatever the thread count; the cap bounds the scratch at MaxChunks·k² doubles.
    private const int RowsPerChunk = 1024;
    private const int MaxChunks = 16;

    /// <summary>Computes YᵀY on the calling thread.</summary>
    /// <param name="factors">Row-major Y, <paramref name="rows"/>·<paramref name="k"/> floats.</param>
    /// <param name="rows">Number of rows of Y.</param>
    /// <param name="k">Number of columns of Y (factors).</param>
    /// <returns>YᵀY as a row-major k×k array of doubles (symmetric, both halves filled).</returns>
    public static double[] Compute(ReadOnlySpan<float> factors, int rows, int k) => Compute(factors, rows, k, threads: 1);

    /// <summary>Computes YᵀY using up to <paramref name="threads"/> threads; the result does not depend on the thread count.</summary>
    /// <param name="factors">Row-major Y, <paramref name="rows"/>·<paramref name="k"/> floats.</param>
    /// <param name="rows">Number of rows of Y.</param>
    /// <param name="k">Number of columns of Y (factors).</param>
    /// <param name="threads">Maximum degree of parallelism, at least 1.</param>
    /// <returns>YᵀY as a row-major k×k array of doubles (symmetric, both halves filled).</returns>
    public static unsafe double[] Compute(ReadOnlySpan<float> factors, int rows, int k, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        Validate(factors.Length, rows, k);
        int chunks = ChunkCount(rows);
        var partials = new double[chunks * k * k];

        if (threads == 1 || chunks == 1)
        {
            for (int chunk = 0; chunk < chunks; chunk++)
                AccumulateChunk(factors, k, chunk, chunks, rows, partials);
        }
        else
        {
            // A lambda cannot capture a span; the factors stay pinned for the duration of the synchronous loop.
            fixed (float* pinned = factors)
            {
                nint address = (nint)pinned;
                int length = factors.Length;
                Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, chunk =>
                    AccumulateChunk(new ReadOnlySpan<float>((float*)address, length), k, chunk, chunks, rows, partials));
            }
        }

        var result = new double[k * k];
        for (int chunk = 0; chunk < chunks; chunk++)
        {
            ReadOnlySpan<double> partial = partials.AsSpan(chunk * k * k, k * k);
            for (int i = 0; i < result.Length; i++)
                result[i] += partial[i];
        }
        DoubleKernels.MirrorUpperToLower(result, k);
        return result;
    }

    private static void Validate(int length, int rows, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if ((long)rows * k != length)
            throw new ArgumentException($"Expected {rows}×{k} = {(long)rows * k} factors, got {length}.", "factors");
    }

    private static int ChunkCount(int rows) => Math.Clamp((rows + RowsPerChunk - 1) / RowsPerChunk, 1, MaxChunks);

    // Upper triangle of Σ y_r y_rᵀ over the chunk's rows into its own slice of partials, four rows per pass.
    private static void AccumulateChunk(ReadOnlySpan<float> factors, int k, int chunk, int chunks, int rows, double[] partials)
    {
        int start = (int)((long)rows * chunk / chunks), end = (int)((long)rows * (chunk + 1) / chunks);
        Span<double> target = partials.AsSpan(chunk * k * k, k * k);
        double[] rented = ArrayPool<double>.Shared.Rent(4 * k);
        try
        {
            Span<double> block = rented.AsSpan(0, 4 * k);
            int r = start;
            for (; r + 4 <= end; r += 4)
            {
                for (int j = 0; j < 4; j++)
                    DoubleKernels.Widen(factors.Slice((r + j) * k, k), block.Slice(j * k, k));
                DoubleKernels.AddScaledOuterUpper4(target, k,
                    block[..k], 1, block.Slice(k, k), 1, block.Slice(2 * k, k), 1, block.Slice(3 * k, k), 1);
            }
            for (; r < end; r++)
            {
                DoubleKernels.Widen(factors.Slice(r * k, k), block[..k]);
                DoubleKernels.AddScaledOuterUpper(target, k, block[..k], 1);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }
}
