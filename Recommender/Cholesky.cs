using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>Cholesky factorization and solve for small dense symmetric positive definite systems.</summary>
public static class Cholesky
{
    /// <summary>
    /// Factors a = L·Lᵀ in place and solves a·x = b, leaving x in <paramref name="b"/>.
    /// </summary>
    /// <remarks>
    /// Only the lower triangle (diagonal included) of <paramref name="a"/> is read, so callers building a
    /// symmetric matrix may fill just that half. On return the lower triangle holds L; the upper triangle is untouched.
    /// Row-oriented (Cholesky–Crout) so every inner product runs over contiguous memory.
    /// </remarks>
    /// <param name="a">Row-major n×n symmetric matrix; overwritten with its factor.</param>
    /// <param name="n">Order of the system.</param>
    /// <param name="b">Right-hand side of length n; overwritten with the solution.</param>
    /// <returns>false if <paramref name="a"/> is not (numerically) positive definite; then a and b are unspecified.</returns>
    public static bool TrySolveInPlace(Span<double> a, int n, Span<double> b)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < n * n)
            throw new ArgumentException($"Matrix needs {n * n} elements, got {a.Length}.", nameof(a));
        if (b.Length < n)
            throw new ArgumentException($"Right-hand side needs {n} elements, got {b.Length}.", nameof(b));

        for (int i = 0; i < n; i++)
        {
            int rowI = i * n;
            for (int j = 0; j < i; j++)
            {
                int rowJ = j * n;
                double s = a[rowI + j] - DoubleKernels.Dot(ref a[rowI], ref a[rowJ], j);
                a[rowI + j] = s / a[rowJ + j];
            }
            double d = a[rowI + i] - DoubleKernels.Dot(ref a[rowI], ref a[rowI], i);
            // The negated test also rejects NaN.
            if (!(d > 0) || !double.IsFinite(d))
                return false;
            a[rowI + i] = Math.Sqrt(d);
        }

        // Forward substitution L·z = b, over contiguous rows of L.
        ref double b0 = ref MemoryMarshal.GetReference(b);
        for (int i = 0; i < n; i++)
            b[i] = (b[i] - DoubleKernels.Dot(ref a[i * n], ref b0, i)) / a[i * n + i];

        // Back substitution Lᵀ·x = z, column-oriented so it also walks rows of L: once x_i is known,
        // remove its contribution from all earlier equations.
        for (int i = n - 1; i >= 0; i--)
        {
            double x = b[i] / a[i * n + i];
            b[i] = x;
            DoubleKernels.MultiplyAddInPlace(ref b0, ref a[i * n], -x, i);
        }
        return true;
    }
}
