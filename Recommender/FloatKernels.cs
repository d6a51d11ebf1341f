using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Personalization.Recommender;

/// <summary>
/// Float32 level-1/level-2 kernels for the conjugate-gradient row solve. Hand-written with <see cref="Vector256{T}"/>
/// because each call covers only k (≈64) floats and runs tens of millions of times per iteration: the per-call
/// dispatch and checks of general-purpose routines would cost as much as the arithmetic.
/// </summary>
internal static class FloatKernels
{
    /// <summary>Σ x[i]·y[i] over <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ref float x, ref float y, int length)
    {
        int i = 0;
        float sum = 0;
        if (Vector256.IsHardwareAccelerated && length >= 16)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            // Two accumulators hide the FMA latency.
            for (; i <= length - 16; i += 16)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), acc0);
                acc1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)(i + 8)), Vector256.LoadUnsafe(ref y, (nuint)(i + 8)), acc1);
            }
            if (i <= length - 8)
            {
                acc0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), Vector256.LoadUnsafe(ref y, (nuint)i), acc0);
                i += 8;
            }
            sum = Vector256.Sum(acc0 + acc1);
        }
        for (; i < length; i++)
            sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        return sum;
    }

    /// <summary>target[i] += scale·x[i] over <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAddInPlace(ref float target, ref float x, float scale, int length)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated && length >= 8)
        {
            var s = Vector256.Create(scale);
            for (; i <= length - 8; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref x, (nuint)i), s, Vector256.LoadUnsafe(ref target, (nuint)i))
                    .StoreUnsafe(ref target, (nuint)i);
        }
        for (; i < length; i++)
            Unsafe.Add(ref target, i) += scale * Unsafe.Add(ref x, i);
    }

    /// <summary>
    /// target += (coefficient − weight·(y·x))·y in one call: the dot product and the update share the load of y,
    /// which is the costly, randomly accessed operand.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void DotThenMultiplyAdd(ref float target, ref float y, ref float x, float coefficient, float weight, int length)
    {
        float scale = coefficient - weight * Dot(ref y, ref x, length);
        MultiplyAddInPlace(ref target, ref y, scale, length);
    }

    /// <summary>result = scale·a·x for a row-major n×n matrix a (full storage).</summary>
    public static void MatrixVector(ref float a, ref float x, ref float result, int n, float scale)
    {
        if (Vector256.IsHardwareAccelerated && n % 8 == 0)
        {
            // The same four-rows-at-a-time kernel that scores the catalog: x is loaded once per four rows.
            Span<float> target = MemoryMarshal.CreateSpan(ref result, n);
            Scoring.ScoreAllBlocked(ref a, n, ref x, target);
            if (scale != 1f)
            {
                for (int row = 0; row < n; row++)
                    target[row] *= scale;
            }
            return;
        }
        for (int row = 0; row < n; row++)
            Unsafe.Add(ref result, row) = scale * Dot(ref Unsafe.Add(ref a, row * n), ref x, n);
    }
}
