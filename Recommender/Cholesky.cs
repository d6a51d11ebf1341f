using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>Cholesky factorization and solve for small dense symmetric positive definite systems.</summary>
public static class Cholesky
{
    /// <summary>
    /// Factors a = Uᵀ·U in place (U upper triangular) and solves a·x = b, leaving x in <paramref name="b"/>.
    /// </summary>
    /// <remarks>
    /// Only the upper triangle (diagonal included) of <paramref name="a"/> is read, so callers building a symmetric
    /// matrix may fill just that half. On return the upper triangle holds U; the strict lower triangle is untouched.
    /// Working on the upper triangle of a row-major matrix keeps every inner loop on contiguous memory.
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

        if (!FactorUpper(ref MemoryMarshal.GetReference(a), n))
            return false;

        ref double u = ref MemoryMarshal.GetReference(a);
        ref double x = ref MemoryMarshal.GetReference(b);

        // Uᵀ·z = b: once z_i is known, remove it from the later equations (row i of U is column i of Uᵀ).
        for (int i = 0; i < n; i++)
        {
            double z = Unsafe.Add(ref x, i) / Unsafe.Add(ref u, i * n + i);
            Unsafe.Add(ref x, i) = z;
            if (i + 1 < n) // no reference past the end
                DoubleKernels.MultiplyAddInPlace(ref Unsafe.Add(ref x, i + 1), ref Unsafe.Add(ref u, i * n + i + 1), -z, n - i - 1);
        }

        // U·x = z, each unknown a dot product with the already solved tail.
        for (int i = n - 1; i >= 0; i--)
        {
            double tail = i + 1 < n
                ? DoubleKernels.Dot(ref Unsafe.Add(ref u, i * n + i + 1), ref Unsafe.Add(ref x, i + 1), n - i - 1)
                : 0;
            Unsafe.Add(ref x, i) = (Unsafe.Add(ref x, i) - tail) / Unsafe.Add(ref u, i * n + i);
        }
        return true;
    }

    /// <summary>
    /// Factors a = Uᵀ·U in place and solves a·X = B for several right-hand sides at once, leaving X in
    /// <paramref name="b"/>: one factorization serves every column.
    /// </summary>
    /// <remarks>
    /// As <see cref="TrySolveInPlace"/>, only the upper triangle of <paramref name="a"/> is read and it holds U on
    /// return. B is row-major n×<paramref name="columns"/>, so both substitutions update whole rows of B — contiguous
    /// vectors of the right-hand sides — instead of striding down a column.
    /// </remarks>
    /// <param name="a">Row-major n×n symmetric matrix; overwritten with its factor.</param>
    /// <param name="n">Order of the system.</param>
    /// <param name="b">Row-major n×<paramref name="columns"/> right-hand sides; overwritten with the solutions.</param>
    /// <param name="columns">Number of right-hand sides.</param>
    /// <returns>false if <paramref name="a"/> is not (numerically) positive definite; then a and b are unspecified.</returns>
    public static bool TrySolveManyInPlace(Span<double> a, int n, Span<double> b, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (a.Length < (long)n * n)
            throw new ArgumentException($"Matrix needs {(long)n * n} elements, got {a.Length}.", nameof(a));
        if (b.Length < (long)n * columns)
            throw new ArgumentException($"Right-hand sides need {(long)n * columns} elements, got {b.Length}.", nameof(b));
        if (n == 0)
            return true;

        if (!FactorUpper(ref MemoryMarshal.GetReference(a), n))
            return false;
        if (columns == 0)
            return true;

        ref double u = ref MemoryMarshal.GetReference(a);
        ref double x = ref MemoryMarshal.GetReference(b);

        // Uᵀ·Z = B: row i of Z is final once divided by u_ii; it is then removed from every later row.
        for (int i = 0; i < n; i++)
        {
            ref double rowI = ref Unsafe.Add(ref x, (nint)i * columns);
            double inverse = 1.0 / Unsafe.Add(ref u, i * n + i);
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref rowI, c) *= inverse;
            for (int j = i + 1; j < n; j++)
            {
                double uij = Unsafe.Add(ref u, i * n + j);
                // Sparse systems keep many zeros in U; skipping them is exact.
                if (uij != 0)
                    DoubleKernels.MultiplyAddInPlace(ref Unsafe.Add(ref x, (nint)j * columns), ref rowI, -uij, columns);
            }
        }

        // U·X = Z from the last row up, each row less its products with the rows already solved.
        for (int i = n - 1; i >= 0; i--)
        {
            ref double rowI = ref Unsafe.Add(ref x, (nint)i * columns);
            for (int j = i + 1; j < n; j++)
            {
                double uij = Unsafe.Add(ref u, i * n + j);
                if (uij != 0)
                    DoubleKernels.MultiplyAddInPlace(ref rowI, ref Unsafe.Add(ref x, (nint)j * columns), -uij, columns);
            }
            double inverse = 1.0 / Unsafe.Add(ref u, i * n + i);
            for (int c = 0; c < columns; c++)
                Unsafe.Add(ref rowI, c) *= inverse;
        }
        return true;
    }

    // Right-looking factorization in panels of four rows: each panel is factored row by row, then the trailing
    // rows receive the panel's four rank-1 updates in one fused pass, so the trailing matrix is streamed
    // a quarter as often as in the unblocked algorithm.
    private static bool FactorUpper(ref double a, int n)
    {
        const int Panel = 4;
        for (int start = 0; start < n; start += Panel)
        {
            int end = Math.Min(start + Panel, n);
            for (int j = start; j < end; j++)
            {
                ref double rowJ = ref Unsafe.Add(ref a, j * n);
                double pivot = Unsafe.Add(ref rowJ, j);
                // The negated test also rejects NaN.
                if (!(pivot > 0) || !double.IsFinite(pivot))
                    return false;
                double diagonal = Math.Sqrt(pivot);
                Unsafe.Add(ref rowJ, j) = diagonal;
                double inverse = 1.0 / diagonal;
                for (int c = j + 1; c < n; c++)
                    Unsafe.Add(ref rowJ, c) *= inverse;

                for (int i = j + 1; i < end; i++)
                {
                    DoubleKernels.MultiplyAddInPlace(
                        ref Unsafe.Add(ref a, i * n + i), ref Unsafe.Add(ref rowJ, i), -Unsafe.Add(ref rowJ, i), n - i);
                }
            }

            if (end - start == Panel)
            {
                ref double u0 = ref Unsafe.Add(ref a, start * n);
                ref double u1 = ref Unsafe.Add(ref u0, n);
                ref double u2 = ref Unsafe.Add(ref u1, n);
                ref double u3 = ref Unsafe.Add(ref u2, n);
                for (int i = end; i < n; i++)
                {
                    DoubleKernels.MultiplyAdd4InPlace(ref Unsafe.Add(ref a, i * n + i), n - i,
                        ref Unsafe.Add(ref u0, i), -Unsafe.Add(ref u0, i),
                        ref Unsafe.Add(ref u1, i), -Unsafe.Add(ref u1, i),
                        ref Unsafe.Add(ref u2, i), -Unsafe.Add(ref u2, i),
                        ref Unsafe.Add(ref u3, i), -Unsafe.Add(ref u3, i));
                }
            }
            // A partial panel is the last one (end == n): there are no trailing rows to update.
        }
        return true;
    }
}
