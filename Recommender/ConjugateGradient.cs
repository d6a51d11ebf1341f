using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// The implicit-ALS row solve by a few steps of conjugate gradient warm-started from the row's previous value
/// (Takács, Pilászy and Tikk 2011, "Applications of the conjugate gradient method for implicit feedback collaborative
/// filtering"; the default solver of the <c>implicit</c> library).
/// </summary>
/// <remarks>
/// Solves (YᵀY + λI + Σ_i (c_i − 1)·y_i·y_iᵀ)·x = Σ_i c_i·p_i·y_i without forming the k×k system: each step costs one
/// k×k product with the shared YᵀY + λI plus 4k per interaction, against k² per interaction and k³/3 per row for the
/// exact <see cref="FoldIn"/>. Every CG step minimises the row's quadratic objective along a conjugate direction, so
/// starting from the previous value the objective never rises; k steps would give the exact solution.
/// Everything is float32, as in <c>implicit</c>: the warm start keeps the few steps accurate enough.
/// </remarks>
public static class ConjugateGradient
{
    // Below this squared residual the row has converged; further steps would divide by ~0.
    private const float Converged = 1e-20f;

    /// <summary>Floats of scratch <see cref="Solve"/> needs for <paramref name="k"/> factors: the residual, direction and product.</summary>
    /// <param name="k">Number of factors.</param>
    public static int ScratchLength(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return 3 * k;
    }

    /// <summary>Improves one row in place by up to <paramref name="steps"/> conjugate-gradient steps.</summary>
    /// <param name="itemFactors">Row-major Y of the opposite side, k floats per row.</param>
    /// <param name="k">Number of factors.</param>
    /// <param name="regularizedGram">YᵀY + λI, row-major k×k float32, both halves filled.</param>
    /// <param name="items">Rows of Y this row interacted with; each at most once.</param>
    /// <param name="weights">Signed weight per entry of <paramref name="items"/> (see <see cref="ImplicitSignal"/>).</param>
    /// <param name="alpha">Confidence scale α, non-negative.</param>
    /// <param name="steps">Number of CG steps, at least 1 (3 is the usual choice).</param>
    /// <param name="x">The row: the warm start on entry, the improved solution on return.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(k) floats; contents on entry are ignored.</param>
    public static void Solve(
        ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<float> regularizedGram,
        ReadOnlySpan<int> items, ReadOnlySpan<float> weights, float alpha, int steps, Span<float> x, Span<float> scratch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        if (regularizedGram.Length != k * k)
            throw new ArgumentException($"Gram matrix needs {k * k} elements, got {regularizedGram.Length}.", nameof(regularizedGram));
        if (items.Length != weights.Length)
            throw new ArgumentException($"{items.Length} items but {weights.Length} weights.", nameof(weights));
        if (x.Length != k)
            throw new ArgumentException($"The row needs {k} elements, got {x.Length}.", nameof(x));
        if (scratch.Length < ScratchLength(k))
            throw new ArgumentException($"Scratch needs {ScratchLength(k)} floats for k = {k}, got {scratch.Length}.", nameof(scratch));
        int rows = itemFactors.Length / k;
        foreach (int row in items)
        {
            if ((uint)row >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(items), $"Item row {row} is outside [0, {rows}).");
        }
        SolveUnchecked(ref MemoryMarshal.GetReference(itemFactors), k, ref MemoryMarshal.GetReference(regularizedGram),
            items, weights, alpha, steps, ref MemoryMarshal.GetReference(x), scratch);
    }

    // The training loop calls this directly: the matrix was validated once and row indices are in range by construction.
    [SkipLocalsInit]
    internal static void SolveUnchecked(
        ref float y0, int k, ref float gram, ReadOnlySpan<int> items, ReadOnlySpan<float> weights, float alpha, int steps,
        ref float x, Span<float> scratch)
    {
        ref float r = ref MemoryMarshal.GetReference(scratch);
        ref float p = ref Unsafe.Add(ref r, k);
        ref float ap = ref Unsafe.Add(ref r, 2 * k);

        // r = b − A·x with b = Σ c·p·y and A·x = (YᵀY + λI)·x + Σ (c − 1)(y·x)·y, one pass over the interactions.
        FloatKernels.MatrixVector(ref gram, ref x, ref r, k, -1f);
        for (int j = 0; j < items.Length; j++)
        {
            float weight = weights[j];
            float extra = alpha * MathF.Abs(weight); // c − 1
            float target = weight > 0f ? 1f + extra : 0f; // c·p
            if (target == 0f && extra == 0f)
                continue; // Same as unobserved: covered by YᵀY.
            FloatKernels.DotThenMultiplyAdd(ref r, ref Unsafe.Add(ref y0, items[j] * k), ref x, target, extra, k);
        }

        float rsOld = FloatKernels.Dot(ref r, ref r, k);
        if (rsOld < Converged)
            return;
        MemoryMarshal.CreateSpan(ref r, k).CopyTo(MemoryMarshal.CreateSpan(ref p, k));

        for (int step = 0; step < steps; step++)
        {
            // ap = A·p without forming A.
            FloatKernels.MatrixVector(ref gram, ref p, ref ap, k, 1f);
            for (int j = 0; j < items.Length; j++)
            {
                float extra = alpha * MathF.Abs(weights[j]);
                if (extra == 0f)
                    continue;
                FloatKernels.DotThenMultiplyAdd(ref ap, ref Unsafe.Add(ref y0, items[j] * k), ref p, 0f, -extra, k);
            }

            float curvature = FloatKernels.Dot(ref p, ref ap, k);
            if (!(curvature > 0f))
                return; // Only rounding can make p·Ap ≤ 0 for a positive definite A; stop rather than step uphill.
            float stepSize = rsOld / curvature;
            FloatKernels.MultiplyAddInPlace(ref x, ref p, stepSize, k);
            FloatKernels.MultiplyAddInPlace(ref r, ref ap, -stepSize, k);
            float rsNew = FloatKernels.Dot(ref r, ref r, k);
            if (rsNew < Converged)
                return;

            // p = r + (rsNew / rsOld)·p
            float beta = rsNew / rsOld;
            for (int d = 0; d < k; d++)
                Unsafe.Add(ref p, d) = Unsafe.Add(ref r, d) + beta * Unsafe.Add(ref p, d);
            rsOld = rsNew;
        }
    }
}
