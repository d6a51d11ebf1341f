using System.Text.Json.Serialization;

namespace Personalization.Recommender.Bandits;

/// <summary>
/// One arm of a linear contextual bandit (disjoint LinUCB, Li, Chu, Langford and Schapire 2010): ridge-regression
/// statistics A = λI + Σ x xᵀ and b = Σ r·x over the contexts x it was played in and the rewards r it earned.
/// A is kept as its inverse, updated by Sherman–Morrison in O(d²), so scoring a context is two matrix-vector products
/// and never a solve.
/// </summary>
/// <remarks>Not thread-safe; an item grain owns its arms and publishes <see cref="Clone"/>s.</remarks>
public sealed class LinearArm
{
    /// <summary>A fresh arm: A⁻¹ = I/λ, b = 0.</summary>
    /// <param name="dimensions">Context length d, 1 to 256.</param>
    /// <param name="regularization">Ridge λ &gt; 0 (the prior's strength).</param>
    public LinearArm(int dimensions, double regularization = 1.0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, MaxDimensions);
        if (!(regularization > 0) || !double.IsFinite(regularization))
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be finite and positive.");
        Dimensions = dimensions;
        CovarianceInverse = new double[dimensions * dimensions];
        for (var i = 0; i < dimensions; i++) CovarianceInverse[i * dimensions + i] = 1.0 / regularization;
        RewardSums = new double[dimensions];
    }

    /// <summary>An arm from persisted statistics.</summary>
    /// <exception cref="ArgumentException">Lengths disagree with <paramref name="dimensions"/> or a value is not finite.</exception>
    [JsonConstructor]
    public LinearArm(int dimensions, double[] covarianceInverse, double[] rewardSums, long pulls, double rewards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimensions, MaxDimensions);
        ArgumentNullException.ThrowIfNull(covarianceInverse);
        ArgumentNullException.ThrowIfNull(rewardSums);
        if (covarianceInverse.Length != dimensions * dimensions)
            throw new ArgumentException($"Expected {dimensions}×{dimensions} values, got {covarianceInverse.Length}.", nameof(covarianceInverse));
        if (rewardSums.Length != dimensions)
            throw new ArgumentException($"Expected {dimensions} values, got {rewardSums.Length}.", nameof(rewardSums));
        if (!covarianceInverse.All(double.IsFinite) || !rewardSums.All(double.IsFinite) || !double.IsFinite(rewards))
            throw new ArgumentException("Statistics must be finite.");
        ArgumentOutOfRangeException.ThrowIfNegative(pulls);
        Dimensions = dimensions;
        CovarianceInverse = covarianceInverse;
        RewardSums = rewardSums;
        Pulls = pulls;
        Rewards = rewards;
    }

    /// <summary>Largest supported context length.</summary>
    public const int MaxDimensions = 256;

    /// <summary>Context length d.</summary>
    public int Dimensions { get; }

    /// <summary>A⁻¹, row-major d×d (symmetric). Exposed for persistence; do not modify.</summary>
    public double[] CovarianceInverse { get; }

    /// <summary>b = Σ r·x. Exposed for persistence; do not modify.</summary>
    public double[] RewardSums { get; }

    /// <summary>Contexts added with <see cref="Update"/>.</summary>
    public long Pulls { get; private set; }

    /// <summary>Σ r over all updates and rewards.</summary>
    public double Rewards { get; private set; }

    /// <summary>Plays the arm in <paramref name="context"/> with <paramref name="reward"/>: A += xxᵀ, b += r·x.</summary>
    /// <exception cref="ArgumentException">The context's length is not <see cref="Dimensions"/> or a value is not finite.</exception>
    public void Update(ReadOnlySpan<float> context, double reward)
    {
        Check(context, reward);
        var d = Dimensions;
        Span<double> ax = d <= 64 ? stackalloc double[d] : new double[d];
        Multiply(context, ax);
        double denominator = 1;
        for (var i = 0; i < d; i++) denominator += context[i] * ax[i];
        // Sherman–Morrison: (A + xxᵀ)⁻¹ = A⁻¹ − (A⁻¹x)(A⁻¹x)ᵀ / (1 + xᵀA⁻¹x), A⁻¹ symmetric.
        var inverse = CovarianceInverse;
        for (var i = 0; i < d; i++)
        {
            var scale = ax[i] / denominator;
            var row = inverse.AsSpan(i * d, d);
            for (var j = 0; j < d; j++) row[j] -= scale * ax[j];
        }
        AddToRewards(context, reward);
        Pulls++;
    }

    /// <summary>
    /// Adds a reward for a context already added by <see cref="Update"/>: b += r·x without changing A, e.g. the click
    /// that turns an impression's reward of 0 into 1.
    /// </summary>
    /// <exception cref="ArgumentException">The context's length is not <see cref="Dimensions"/> or a value is not finite.</exception>
    public void AddReward(ReadOnlySpan<float> context, double reward)
    {
        Check(context, reward);
        AddToRewards(context, reward);
    }

    /// <summary>The estimated reward θᵀx, θ = A⁻¹b.</summary>
    public double Mean(ReadOnlySpan<float> context)
    {
        CheckLength(context);
        // θᵀx = bᵀ(A⁻¹x), A⁻¹ symmetric.
        Span<double> ax = Dimensions <= 64 ? stackalloc double[Dimensions] : new double[Dimensions];
        Multiply(context, ax);
        double sum = 0;
        for (var i = 0; i < Dimensions; i++) sum += RewardSums[i] * ax[i];
        return sum;
    }

    /// <summary>The confidence width √(xᵀA⁻¹x): how little the arm knows about this context.</summary>
    public double Width(ReadOnlySpan<float> context)
    {
        CheckLength(context);
        Span<double> ax = Dimensions <= 64 ? stackalloc double[Dimensions] : new double[Dimensions];
        Multiply(context, ax);
        double sum = 0;
        for (var i = 0; i < Dimensions; i++) sum += context[i] * ax[i];
        return Math.Sqrt(Math.Max(0, sum));
    }

    /// <summary>θ = A⁻¹b into <paramref name="theta"/>.</summary>
    public void Coefficients(Span<double> theta)
    {
        if (theta.Length != Dimensions) throw new ArgumentException($"Expected {Dimensions} values, got {theta.Length}.", nameof(theta));
        var d = Dimensions;
        for (var i = 0; i < d; i++)
        {
            var row = CovarianceInverse.AsSpan(i * d, d);
            double sum = 0;
            for (var j = 0; j < d; j++) sum += row[j] * RewardSums[j];
            theta[i] = sum;
        }
    }

    /// <summary>An independent copy.</summary>
    public LinearArm Clone() => new(Dimensions, (double[])CovarianceInverse.Clone(), (double[])RewardSums.Clone(), Pulls, Rewards);

    private void Multiply(ReadOnlySpan<float> x, Span<double> result)
    {
        var d = Dimensions;
        for (var i = 0; i < d; i++)
        {
            var row = CovarianceInverse.AsSpan(i * d, d);
            double sum = 0;
            for (var j = 0; j < d; j++) sum += row[j] * x[j];
            result[i] = sum;
        }
    }

    private void AddToRewards(ReadOnlySpan<float> context, double reward)
    {
        if (reward != 0)
            for (var i = 0; i < Dimensions; i++) RewardSums[i] += reward * context[i];
        Rewards += reward;
    }

    private void Check(ReadOnlySpan<float> context, double reward)
    {
        CheckLength(context);
        if (!double.IsFinite(reward)) throw new ArgumentException("The reward must be finite.", nameof(reward));
        foreach (var value in context)
            if (!float.IsFinite(value)) throw new ArgumentException("The context must be finite.", nameof(context));
    }

    private void CheckLength(ReadOnlySpan<float> context)
    {
        if (context.Length != Dimensions)
            throw new ArgumentException($"Expected a context of {Dimensions} values, got {context.Length}.", nameof(context));
    }
}
