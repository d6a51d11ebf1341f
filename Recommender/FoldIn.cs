using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// The exact implicit-ALS row solve (Hu, Koren and Volinsky 2008), shared by training and by the nearline path
/// that folds a user's fresh interactions into a published model:
/// x = (YᵀY + Σ_i (c_i − 1)·y_i·y_iᵀ + λI)⁻¹ · Σ_i c_i·p_i·y_i.
/// </summary>
/// <remarks>
/// Confidence and preference come from <see cref="ImplicitSignal"/>. The systems are built and solved in double
/// because the confidences (up to 1 + α·|w|) make them badly scaled for float32.
/// </remarks>
public static class FoldIn
{
    // Above this order the k² scratch (k·k + 5k doubles, ~136 KB at 128) is too much for the stack.
    private const int MaxStackallocFactors = 128;

    /// <summary>Doubles of scratch the <see cref="Solve(ReadOnlySpan{float}, int, ReadOnlySpan{double}, ReadOnlySpan{int}, ReadOnlySpan{float}, float, float, Span{float}, Span{double})"/> overload needs for <paramref name="k"/> factors.</summary>
    /// <param name="k">Number of factors.</param>
    /// <returns>k·k + 5k: the system matrix, the right-hand side and four widened factor rows.</returns>
    public static int ScratchLength(int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        return k * k + 5 * k;
    }

    /// <summary>Solves one row, using stack scratch for k ≤ 128 and pooled scratch above; allocates nothing.</summary>
    /// <param name="itemFactors">Row-major Y of the opposite side, k floats per row.</param>
    /// <param name="k">Number of factors.</param>
    /// <param name="gram">YᵀY of <paramref name="itemFactors"/>, row-major k×k (see <see cref="GramMatrix"/>).</param>
    /// <param name="items">Rows of Y this row interacted with; each at most once.</param>
    /// <param name="weights">Signed weight per entry of <paramref name="items"/>.</param>
    /// <param name="alpha">Confidence scale α, non-negative.</param>
    /// <param name="regularization">λ, non-negative (must be positive if the system can be singular).</param>
    /// <param name="result">Receives the k factors; zeros when <paramref name="items"/> is empty.</param>
    /// <exception cref="InvalidOperationException">The system is not positive definite (e.g. λ = 0 and YᵀY singular, or non-finite factors).</exception>
    [SkipLocalsInit]
    public static void Solve(
        ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<double> gram,
        ReadOnlySpan<int> items, ReadOnlySpan<float> weights,
        float alpha, float regularization, Span<float> result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (items.IsEmpty)
        {
            ValidateArguments(itemFactors, k, gram, items, weights, alpha, regularization, result);
            result.Clear();
            return;
        }

        int length = ScratchLength(k);
        if (k <= MaxStackallocFactors)
        {
            Solve(itemFactors, k, gram, items, weights, alpha, regularization, result, stackalloc double[length]);
            return;
        }

        double[] rented = ArrayPool<double>.Shared.Rent(length);
        try
        {
            Solve(itemFactors, k, gram, items, weights, alpha, regularization, result, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    /// <summary>Solves one row with caller-provided scratch, so a training thread can reuse one buffer for all its rows.</summary>
    /// <param name="itemFactors">Row-major Y of the opposite side, k floats per row.</param>
    /// <param name="k">Number of factors.</param>
    /// <param name="gram">YᵀY of <paramref name="itemFactors"/>, row-major k×k (see <see cref="GramMatrix"/>).</param>
    /// <param name="items">Rows of Y this row interacted with; each at most once.</param>
    /// <param name="weights">Signed weight per entry of <paramref name="items"/>.</param>
    /// <param name="alpha">Confidence scale α, non-negative.</param>
    /// <param name="regularization">λ, non-negative (must be positive if the system can be singular).</param>
    /// <param name="result">Receives the k factors; zeros when <paramref name="items"/> is empty.</param>
    /// <param name="scratch">At least <see cref="ScratchLength"/>(k) doubles; contents on entry are ignored.</param>
    /// <exception cref="InvalidOperationException">The system is not positive definite (e.g. λ = 0 and YᵀY singular, or non-finite factors).</exception>
    public static void Solve(
        ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<double> gram,
        ReadOnlySpan<int> items, ReadOnlySpan<float> weights,
        float alpha, float regularization, Span<float> result, Span<double> scratch)
    {
        ValidateArguments(itemFactors, k, gram, items, weights, alpha, regularization, result);
        if (scratch.Length < ScratchLength(k))
            throw new ArgumentException($"Scratch needs {ScratchLength(k)} doubles for k = {k}, got {scratch.Length}.", nameof(scratch));
        if (items.IsEmpty)
        {
            result.Clear();
            return;
        }

        Span<double> a = scratch[..(k * k)];
        Span<double> b = scratch.Slice(k * k, k);
        Span<double> block = scratch.Slice(k * k + k, 4 * k);

        // A = YᵀY + λI (only the upper triangle matters to the Cholesky solve), b = 0.
        gram.CopyTo(a);
        for (int d = 0; d < k; d++)
            a[d * k + d] += regularization;
        b.Clear();

        int rows = itemFactors.Length / k;
        ref double b0 = ref MemoryMarshal.GetReference(b);
        Span<double> scales = stackalloc double[4];
        int pending = 0;
        for (int i = 0; i < items.Length; i++)
        {
            int row = items[i];
            if ((uint)row >= (uint)rows)
                throw new ArgumentOutOfRangeException(nameof(items), $"Entry {i} refers to row {row}, outside [0, {rows}).");
            float weight = weights[i];
            double confidence = ImplicitSignal.Confidence(weight, alpha);
            bool positive = ImplicitSignal.Preference(weight) > 0f;
            double extra = confidence - 1.0;
            if (extra == 0 && !positive)
                continue; // Same as unobserved: already covered by YᵀY.

            Span<double> y = block.Slice(pending * k, k);
            DoubleKernels.Widen(itemFactors.Slice(row * k, k), y);
            if (positive)
                DoubleKernels.MultiplyAddInPlace(ref b0, ref MemoryMarshal.GetReference(y), confidence, k);
            if (extra == 0)
                continue;

            // Batch rank-1 updates four at a time: one pass over A per four items.
            scales[pending++] = extra;
            if (pending == 4)
            {
                DoubleKernels.AddScaledOuterUpper4(a, k,
                    block[..k], scales[0], block.Slice(k, k), scales[1],
                    block.Slice(2 * k, k), scales[2], block.Slice(3 * k, k), scales[3]);
                pending = 0;
            }
        }
        for (int j = 0; j < pending; j++)
            DoubleKernels.AddScaledOuterUpper(a, k, block.Slice(j * k, k), scales[j]);

        if (!Cholesky.TrySolveInPlace(a, k, b))
            throw new InvalidOperationException(
                "The fold-in system is not positive definite; check that the regularization is positive and the factors are finite.");
        for (int d = 0; d < k; d++)
            result[d] = (float)b[d];
    }

    private static void ValidateArguments(
        ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<double> gram,
        ReadOnlySpan<int> items, ReadOnlySpan<float> weights,
        float alpha, float regularization, Span<float> result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (itemFactors.Length % k != 0)
            throw new ArgumentException($"Factor length {itemFactors.Length} is not a multiple of k = {k}.", nameof(itemFactors));
        if (gram.Length != k * k)
            throw new ArgumentException($"Gram matrix needs {k * k} elements, got {gram.Length}.", nameof(gram));
        if (items.Length != weights.Length)
            throw new ArgumentException($"{items.Length} items but {weights.Length} weights.", nameof(weights));
        if (result.Length != k)
            throw new ArgumentException($"Result needs {k} elements, got {result.Length}.", nameof(result));
        if (!(alpha >= 0) || !float.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be finite and non-negative.");
        if (!(regularization >= 0) || !float.IsFinite(regularization))
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be finite and non-negative.");
    }
}
