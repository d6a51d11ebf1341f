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
    /// a += scale·y·yᵀ on the lower triangle (diagonal included) of the row-major n×n matrix a.
    /// Only the lower triangle is touched: the Cholesky factorization reads nothing else.
    /// </summary>
    public static void AddScaledOuterLower(Span<double> a, int n, ReadOnlySpan<double> y, double scale)
    {
        if ((uint)(n * n) > (uint)a.Length || (uint)n > (uint)y.Length)
            throw new ArgumentException("Matrix or vector too short for the given order.");
        ref double a0 = ref MemoryMarshal.GetReference(a);
        ref double y0 = ref MemoryMarshal.GetReference(y);
        for (int r = 0; r < n; r++)
        {
            double s = scale * Unsafe.Add(ref y0, r);
            if (s != 0)
                MultiplyAddInPlace(ref Unsafe.Add(ref a0, r * n), ref y0, s, r + 1);
        }
    }

    /// <summary>
    /// a += Σ_j scale_j·y_j·y_jᵀ for four vectors at once on the lower triangle of the row-major n×n matrix a.
    /// Fusing four rank-1 updates loads and stores each element of a once instead of four times.
    /// </summary>
    public static void AddScaledOuterLower4(
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
        int width = Vector<double>.Count;
        for (int r = 0; r < n; r++)
        {
            double s0 = scale0 * Unsafe.Add(ref p0, r);
            double s1 = scale1 * Unsafe.Add(ref p1, r);
            double s2 = scale2 * Unsafe.Add(ref p2, r);
            double s3 = scale3 * Unsafe.Add(ref p3, r);
            ref double row = ref Unsafe.Add(ref aRef, r * n);
            int length = r + 1;
            int i = 0;
            if (Vector.IsHardwareAccelerated && length >= width)
            {
                var v0 = new Vector<double>(s0);
                var v1 = new Vector<double>(s1);
                var v2 = new Vector<double>(s2);
                var v3 = new Vector<double>(s3);
                for (; i <= length - width; i += width)
                {
                    var acc = Vector.LoadUnsafe(ref row, (nuint)i);
                    acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p0, (nuint)i), v0, acc);
                    acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p1, (nuint)i), v1, acc);
                    acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p2, (nuint)i), v2, acc);
                    acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref p3, (nuint)i), v3, acc);
                    acc.StoreUnsafe(ref row, (nuint)i);
                }
            }
            for (; i < length; i++)
            {
                Unsafe.Add(ref row, i) += s0 * Unsafe.Add(ref p0, i) + s1 * Unsafe.Add(ref p1, i)
                    + s2 * Unsafe.Add(ref p2, i) + s3 * Unsafe.Add(ref p3, i);
            }
        }
    }

    /// <summary>Copies the lower triangle of the row-major n×n matrix a onto its upper triangle.</summary>
    public static void MirrorLowerToUpper(Span<double> a, int n)
    {
        for (int r = 0; r < n; r++)
            for (int c = r + 1; c < n; c++)
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
