using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// The item side of the nearline path: an item's vector re-solved from the users who interacted with it since the
/// model was trained, with their live vectors, starting from a prior (the content-mapped vector of a new item, the
/// batch-trained vector of a known one):
/// y = (P₀ + Σ_u (c_u − 1)·x_u·x_uᵀ)⁻¹ · (P₀·y₀ + Σ_u c_u·p_u·x_u), with P₀ = s·XᵀX + λI.
/// </summary>
/// <remarks>
/// <para>With y₀ = 0 and s = 1 this is exactly the implicit-ALS item step (Hu, Koren and Volinsky 2008) over the
/// given users: XᵀX stands for every user's baseline confidence 1 on "not seen". The prior replaces that baseline's
/// target 0 by the prior's prediction x·y₀, so with no interactions the solution is y₀ itself, and each interaction
/// moves it by the weight the ALS step gives it.</para>
/// <para>The prior strength s says how many interactions the prior stands for: 1 for a content vector, which is a
/// guess for every user alike; for a trained vector, 1 + α·n₀/N, where n₀ is the item's trained interactions and N the
/// trained users, since the trained users' extra confidence averages to about α·n₀/N of XᵀX
/// (<see cref="TrainedPriorStrength"/>).</para>
/// <para>Cost: one rank-1 update of a k×k system per user and one Cholesky solve, O(n·k² + k³/3); no allocation for
/// k ≤ 128.</para>
/// </remarks>
public static class ItemFoldIn
{
    private const int MaxStackallocFactors = 128;

    /// <summary>The prior strength of a batch-trained vector: 1 + α·n₀/N (see the remarks of <see cref="ItemFoldIn"/>).</summary>
    /// <param name="alpha">The model's α.</param>
    /// <param name="trainedInteractions">The item's interactions in training (its popularity in the model).</param>
    /// <param name="trainedUsers">Users in training; 0 when unknown (then the prior counts as a content vector).</param>
    public static double TrainedPriorStrength(float alpha, double trainedInteractions, int trainedUsers) =>
        trainedUsers > 0 ? 1.0 + alpha * Math.Max(0, trainedInteractions) / trainedUsers : 1.0;

    /// <summary>Solves the item's vector.</summary>
    /// <param name="userGram">XᵀX of the model's user factors, row-major k×k (<see cref="FactorModel.UserGram"/>).</param>
    /// <param name="k">Number of factors.</param>
    /// <param name="prior">y₀, k floats.</param>
    /// <param name="priorStrength">s ≥ 0 (1 for a content vector; <see cref="TrainedPriorStrength"/> for a trained one).</param>
    /// <param name="userVectors">The interacting users' vectors, n·k floats, one row per user.</param>
    /// <param name="weights">Each user's summed signed signal weight on the item, n values.</param>
    /// <param name="alpha">Confidence scale α.</param>
    /// <param name="regularization">λ, positive.</param>
    /// <param name="result">Receives the k factors.</param>
    /// <exception cref="InvalidOperationException">The system is not positive definite (non-finite vectors).</exception>
    [SkipLocalsInit]
    public static void Solve(ReadOnlySpan<double> userGram, int k, ReadOnlySpan<float> prior, double priorStrength,
        ReadOnlySpan<float> userVectors, ReadOnlySpan<float> weights, float alpha, float regularization, Span<float> result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        if (userGram.Length != k * k) throw new ArgumentException($"The user Gram needs {k * k} elements, got {userGram.Length}.", nameof(userGram));
        if (prior.Length != k) throw new ArgumentException($"The prior needs {k} elements, got {prior.Length}.", nameof(prior));
        if (result.Length != k) throw new ArgumentException($"The result needs {k} elements, got {result.Length}.", nameof(result));
        if (userVectors.Length != weights.Length * k)
            throw new ArgumentException($"{weights.Length} weights need {weights.Length * k} user factors, got {userVectors.Length}.", nameof(userVectors));
        if (!(priorStrength >= 0) || !double.IsFinite(priorStrength))
            throw new ArgumentOutOfRangeException(nameof(priorStrength), priorStrength, "The prior strength must be finite and non-negative.");
        if (!(alpha >= 0) || !float.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be finite and non-negative.");
        if (!(regularization > 0) || !float.IsFinite(regularization))
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be finite and positive.");

        int length = k * k + 6 * k;
        if (k <= MaxStackallocFactors)
        {
            Solve(userGram, k, prior, priorStrength, userVectors, weights, alpha, regularization, result, stackalloc double[length]);
            return;
        }
        double[] rented = ArrayPool<double>.Shared.Rent(length);
        try
        {
            Solve(userGram, k, prior, priorStrength, userVectors, weights, alpha, regularization, result, rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }

    private static void Solve(ReadOnlySpan<double> userGram, int k, ReadOnlySpan<float> prior, double priorStrength,
        ReadOnlySpan<float> userVectors, ReadOnlySpan<float> weights, float alpha, float regularization, Span<float> result, Span<double> scratch)
    {
        Span<double> a = scratch[..(k * k)];
        Span<double> b = scratch.Slice(k * k, k);
        Span<double> y0 = scratch.Slice(k * k + k, k);
        Span<double> block = scratch.Slice(k * k + 2 * k, 4 * k);

        // A = s·XᵀX + λI, b = A·y₀ (the full symmetric Gram, so b is a plain product).
        for (int i = 0; i < a.Length; i++) a[i] = priorStrength * userGram[i];
        for (int d = 0; d < k; d++) a[d * k + d] += regularization;
        DoubleKernels.Widen(prior, y0);
        for (int r = 0; r < k; r++)
            b[r] = DoubleKernels.Dot(ref MemoryMarshal.GetReference(a.Slice(r * k, k)), ref MemoryMarshal.GetReference(y0), k);

        ref double b0 = ref MemoryMarshal.GetReference(b);
        Span<double> scales = stackalloc double[4];
        int pending = 0;
        for (int u = 0; u < weights.Length; u++)
        {
            float weight = weights[u];
            double confidence = ImplicitSignal.Confidence(weight, alpha);
            bool positive = ImplicitSignal.Preference(weight) > 0f;
            double extra = confidence - 1.0;
            if (extra == 0 && !positive) continue;
            Span<double> x = block.Slice(pending * k, k);
            DoubleKernels.Widen(userVectors.Slice(u * k, k), x);
            if (positive) DoubleKernels.MultiplyAddInPlace(ref b0, ref MemoryMarshal.GetReference(x), confidence, k);
            if (extra == 0) continue;
            // Four rank-1 updates per pass over A, as the user-side solve does.
            scales[pending++] = extra;
            if (pending == 4)
            {
                DoubleKernels.AddScaledOuterUpper4(a, k, block[..k], scales[0], block.Slice(k, k), scales[1],
                    block.Slice(2 * k, k), scales[2], block.Slice(3 * k, k), scales[3]);
                pending = 0;
            }
        }
        for (int j = 0; j < pending; j++)
            DoubleKernels.AddScaledOuterUpper(a, k, block.Slice(j * k, k), scales[j]);
        if (!Cholesky.TrySolveInPlace(a, k, b))
            throw new InvalidOperationException("The item fold-in system is not positive definite; check that the vectors are finite.");
        for (int d = 0; d < k; d++) result[d] = (float)b[d];
    }
}
