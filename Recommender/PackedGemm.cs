using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Personalization.Recommender;

/// <summary>
/// The register-blocked micro-kernel behind <see cref="DenseSpd"/>: one <see cref="Rows"/>×<see cref="Columns"/>
/// tile of C receives Σ_k a(r, k)·b(k, c) over a packed depth. Everything dense and cubic in this library funnels
/// through this one routine, so it is the only place tuned for the vector width.
/// </summary>
/// <remarks>
/// Operand layout: the left operand for tile row r at depth k is a[k·aStride + r] (a column of Aᵀ per k, which is
/// how a row-major panel of rows k already stores it); the right operand is packed as depth-major strips of
/// exactly <see cref="Columns"/> doubles, b[k·Columns + c]. The sixteen accumulators of the AVX-512 path (8 rows ×
/// 2 vectors) stay in registers for the whole depth, so each k costs two loads, eight broadcasts and sixteen FMAs.
/// </remarks>
internal static class PackedGemm
{
    /// <summary>Rows of a tile.</summary>
    public const int Rows = 8;

    /// <summary>Columns of a tile and width of a packed right-operand strip.</summary>
    public const int Columns = 16;

    /// <summary>
    /// C[r·ldc + c] = acc (when <paramref name="subtract"/> is false) or C −= acc, with acc[r, c] = Σ_{k&lt;depth}
    /// a[k·aStride + r]·b[k·Columns + c], for the full 8×16 tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract)
    {
        if (Vector512.IsHardwareAccelerated)
            Tile512(ref a, aStride, ref b, depth, ref c, ldc, subtract);
        else if (Vector256.IsHardwareAccelerated)
            Tile256(ref a, aStride, ref b, depth, ref c, ldc, subtract);
        else
            TileScalar(ref a, aStride, ref b, depth, ref c, ldc, subtract);
    }

    // The three paths are internal so tests can check each against the others on any hardware (unaccelerated
    // vector types are emulated, slowly but exactly). All three sum each element in ascending k with fused
    // multiply–adds, so they agree bit for bit.

    /// <summary>The AVX-512 path of <see cref="Tile"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Tile512(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract)
    {
        Vector512<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<double> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<double> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<double> c60 = default, c61 = default, c70 = default, c71 = default;
        ref double ak = ref a;
        ref double bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            var b0 = Vector512.LoadUnsafe(ref bk);
            var b1 = Vector512.LoadUnsafe(ref bk, 8);
            var x = Vector512.Create(ak);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(Unsafe.Add(ref ak, 1));
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(Unsafe.Add(ref ak, 2));
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(Unsafe.Add(ref ak, 3));
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(Unsafe.Add(ref ak, 4));
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(Unsafe.Add(ref ak, 5));
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(Unsafe.Add(ref ak, 6));
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(Unsafe.Add(ref ak, 7));
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
            ak = ref Unsafe.Add(ref ak, aStride);
            bk = ref Unsafe.Add(ref bk, Columns);
        }

        Store512(ref c, c00, c01, subtract);
        Store512(ref Unsafe.Add(ref c, ldc), c10, c11, subtract);
        Store512(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, subtract);
        Store512(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, subtract);
        Store512(ref Unsafe.Add(ref c, 4 * ldc), c40, c41, subtract);
        Store512(ref Unsafe.Add(ref c, 5 * ldc), c50, c51, subtract);
        Store512(ref Unsafe.Add(ref c, 6 * ldc), c60, c61, subtract);
        Store512(ref Unsafe.Add(ref c, 7 * ldc), c70, c71, subtract);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(ref double row, Vector512<double> low, Vector512<double> high, bool subtract)
    {
        if (subtract)
        {
            low = Vector512.LoadUnsafe(ref row) - low;
            high = Vector512.LoadUnsafe(ref row, 8) - high;
        }
        low.StoreUnsafe(ref row);
        high.StoreUnsafe(ref row, 8);
    }

    /// <summary>The 256-bit path of <see cref="Tile"/>.</summary>
    internal static void Tile256(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract)
    {
        // Four 4×8 quarters of 8 accumulators each, which fit the 16 registers of AVX2 without spilling.
        for (int r = 0; r < Rows; r += 4)
        {
            for (int col = 0; col < Columns; col += 8)
            {
                Quarter256(ref Unsafe.Add(ref a, r), aStride, ref Unsafe.Add(ref b, col), depth,
                    ref Unsafe.Add(ref c, r * ldc + col), ldc, subtract);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Quarter256(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract)
    {
        Vector256<double> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector256<double> c20 = default, c21 = default, c30 = default, c31 = default;
        ref double ak = ref a;
        ref double bk = ref b;
        for (int k = 0; k < depth; k++)
        {
            var b0 = Vector256.LoadUnsafe(ref bk);
            var b1 = Vector256.LoadUnsafe(ref bk, 4);
            var x = Vector256.Create(ak);
            c00 = Vector256.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(x, b1, c01);
            x = Vector256.Create(Unsafe.Add(ref ak, 1));
            c10 = Vector256.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(x, b1, c11);
            x = Vector256.Create(Unsafe.Add(ref ak, 2));
            c20 = Vector256.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(x, b1, c21);
            x = Vector256.Create(Unsafe.Add(ref ak, 3));
            c30 = Vector256.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(x, b1, c31);
            ak = ref Unsafe.Add(ref ak, aStride);
            bk = ref Unsafe.Add(ref bk, Columns);
        }

        Store256(ref c, c00, c01, subtract);
        Store256(ref Unsafe.Add(ref c, ldc), c10, c11, subtract);
        Store256(ref Unsafe.Add(ref c, 2 * ldc), c20, c21, subtract);
        Store256(ref Unsafe.Add(ref c, 3 * ldc), c30, c31, subtract);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store256(ref double row, Vector256<double> low, Vector256<double> high, bool subtract)
    {
        if (subtract)
        {
            low = Vector256.LoadUnsafe(ref row) - low;
            high = Vector256.LoadUnsafe(ref row, 4) - high;
        }
        low.StoreUnsafe(ref row);
        high.StoreUnsafe(ref row, 4);
    }

    /// <summary>The scalar path of <see cref="Tile"/>, for hardware without 256-bit vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void TileScalar(ref double a, nint aStride, ref double b, int depth, ref double c, nint ldc, bool subtract)
    {
        for (int r = 0; r < Rows; r++)
        {
            for (int col = 0; col < Columns; col++)
            {
                double sum = 0;
                for (int k = 0; k < depth; k++)
                    sum = Math.FusedMultiplyAdd(Unsafe.Add(ref a, k * aStride + r), Unsafe.Add(ref b, k * Columns + col), sum);
                ref double target = ref Unsafe.Add(ref c, r * ldc + col);
                target = subtract ? target - sum : sum;
            }
        }
    }
}
