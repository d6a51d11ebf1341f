using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// Small dense double-precision kernels for the k×k normal equations. Hand-written with <see cref="Vector{T}"/>
/// because the spans are short (k ≤ a few hundred) and called thousands of times per row solve, where
/// per-call overhead of general-purpose routines shows.
/// </summary>
internal static class DoubleKernels
{
    /// <summary>Σ x[i]·y[i] over the first <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ref double x, ref double y, int length)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<double>.Count)
        {
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            int width = Vector<double>.Count;
            // Two accumulators hide the FMA latency.
            for (; i <= length - 2 * width; i += 2 * width)
            {
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)i), Vector.LoadUnsafe(ref y, (nuint)i), acc0);
                acc1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)(i + width)), Vector.LoadUnsafe(ref y, (nuint)(i + width)), acc1);
            }
            for (; i <= length - width; i += width)
                acc0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)i), Vector.LoadUnsafe(ref y, (nuint)i), acc0);
            sum = Vector.Sum(acc0 + acc1);
        }
        for (; i < length; i++)
            sum += Unsafe.Add(ref x, i) * Unsafe.Add(ref y, i);
        return sum;
    }

    /// <summary>Σ (double)y[i]·x[i] with float32 y widened on the fly, for exact-as-double scores of float factors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double DotWidening(ref float y, ref double x, int length)
    {
        int i = 0;
        double sum = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var acc0 = Vector<double>.Zero;
            var acc1 = Vector<double>.Zero;
            int width = Vector<double>.Count;
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
            {
                Vector.Widen(Vector.LoadUnsafe(ref y, (nuint)i), out Vector<double> low, out Vector<double> high);
                acc0 = Vector.FusedMultiplyAdd(low, Vector.LoadUnsafe(ref x, (nuint)i), acc0);
                acc1 = Vector.FusedMultiplyAdd(high, Vector.LoadUnsafe(ref x, (nuint)(i + width)), acc1);
            }
            sum = Vector.Sum(acc0 + acc1);
        }
        for (; i < length; i++)
            sum += Unsafe.Add(ref y, i) * Unsafe.Add(ref x, i);
        return sum;
    }

    /// <summary>y[i] += scale·x[i] over the first <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAddInPlace(ref double y, ref double x, double scale, int length)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<double>.Count)
        {
            var s = new Vector<double>(scale);
            for (; i <= length - Vector<double>.Count; i += Vector<double>.Count)
            {
                var v = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x, (nuint)i), s, Vector.LoadUnsafe(ref y, (nuint)i));
                v.StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < length; i++)
            Unsafe.Add(ref y, i) += scale * Unsafe.Add(ref x, i);
    }

    /// <summary>
    /// y[i] += s0·x0[i] + s1·x1[i] + s2·x2[i] + s3·x3[i] over the first <paramref name="length"/> elements.
    /// Fusing four updates loads and stores y once instead of four times, which is what bounds these kernels.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void MultiplyAdd4InPlace(
        ref double y, int length,
        ref double x0, double s0, ref double x1, double s1, ref double x2, double s2, ref double x3, double s3)
    {
        int i = 0;
        int width = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated && length >= width)
        {
            var v0 = new Vector<double>(s0);
            var v1 = new Vector<double>(s1);
            var v2 = new Vector<double>(s2);
            var v3 = new Vector<double>(s3);
            for (; i <= length - width; i += width)
            {
                var acc = Vector.LoadUnsafe(ref y, (nuint)i);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x0, (nuint)i), v0, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x1, (nuint)i), v1, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x2, (nuint)i), v2, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref x3, (nuint)i), v3, acc);
                acc.StoreUnsafe(ref y, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref y, i) += s0 * Unsafe.Add(ref x0, i) + s1 * Unsafe.Add(ref x1, i)
                + s2 * Unsafe.Add(ref x2, i) + s3 * Unsafe.Add(ref x3, i);
        }
    }

    /// <summary>
    /// a += scale·y·yᵀ on the upper triangle (diagonal included) of the row-major n×n matrix a.
    /// Only the upper triangle is touched: <see cref="Cholesky"/> reads nothing else.
    /// </summary>
    public static void AddScaledOuterUpper(Span<double> a, int n, ReadOnlySpan<double> y, double scale)
    {
        if ((uint)(n * n) > (uint)a.Length || (uint)n > (uint)y.Length)
            throw new ArgumentException("Matrix or vector too short for the given order.");
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < n; r++)
        {
            double s = scale * Unsafe.Add(ref y0, r);
            if (s != 0)
                MultiplyAddInPlace(ref Unsafe.Add(ref a0, r * n + r), ref Unsafe.Add(ref y0, r), s, n - r);
        }
    }

    /// <summary>
    /// a += Σ_j scale_j·y_j·y_jᵀ for four vectors at once on the upper triangle of the row-major n×n matrix a.
    /// </summary>
    public static void AddScaledOuterUpper4(
        Span<double> a, int n,
        ReadOnlySpan<double> y0, double scale0, ReadOnlySpan<double> y1, double scale1,
        ReadOnlySpan<double> y2, double scale2, ReadOnlySpan<double> y3, double scale3)
    {
        if ((uint)(n * n) > (uint)a.Length || (uint)n > (uint)y0.Length || (uint)n > (uint)y1.Length
            || (uint)n > (uint)y2.Length || (uint)n > (uint)y3.Length)
            throw new ArgumentException("Matrix or vectors too short for the given order.");
        ref double aRef = ref MemoryMarshal.GetReference(a);
        ref double p0 = ref MemoryMarshal.GetReference(y0);
        ref double p1 = ref MemoryMarshal.GetReference(y1);
        ref double p2 = ref MemoryMarshal.GetReference(y2);
        ref double p3 = ref MemoryMarshal.GetReference(y3);
        for (int r = 0; r < n; r++)
        {
            MultiplyAdd4InPlace(ref Unsafe.Add(ref aRef, r * n + r), n - r,
                ref Unsafe.Add(ref p0, r), scale0 * Unsafe.Add(ref p0, r),
                ref Unsafe.Add(ref p1, r), scale1 * Unsafe.Add(ref p1, r),
                ref Unsafe.Add(ref p2, r), scale2 * Unsafe.Add(ref p2, r),
                ref Unsafe.Add(ref p3, r), scale3 * Unsafe.Add(ref p3, r));
        }
    }

    /// <summary>Copies the upper triangle of the row-major n×n matrix a onto its lower triangle.</summary>
    public static void MirrorUpperToLower(Span<double> a, int n)
    {
        for (int r = 1; r < n; r++)
            for (int c = 0; c < r; c++)
                a[r * n + c] = a[c * n + r];
    }

    /// <summary>Widens float32 values to double.</summary>
    public static void Widen(ReadOnlySpan<float> source, Span<double> destination)
    {
        if (destination.Length < source.Length)
            throw new ArgumentException("Destination too short.", nameof(destination));
        for (int i = 0; i < source.Length; i++)
            destination[i] = source[i];
    }
}
