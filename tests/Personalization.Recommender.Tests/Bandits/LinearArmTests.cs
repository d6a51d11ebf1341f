using System.Text.Json;
using Personalization.Recommender.Bandits;

namespace Personalization.Recommender.Tests.Bandits;

public sealed class LinearArmTests
{
    private static float[][] Contexts(int n, int d, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
    }

    /// <summary>(λI + Σ xxᵀ)⁻¹ by Gauss–Jordan, independent of the arm's Sherman–Morrison updates.</summary>
    private static double[,] DirectInverse(float[][] xs, int d, double lambda)
    {
        var a = new double[d, 2 * d];
        for (var i = 0; i < d; i++) { a[i, i] = lambda; a[i, d + i] = 1; }
        foreach (var x in xs)
            for (var i = 0; i < d; i++)
                for (var j = 0; j < d; j++) a[i, j] += x[i] * x[j];
        for (var c = 0; c < d; c++)
        {
            var pivot = a[c, c];
            for (var j = 0; j < 2 * d; j++) a[c, j] /= pivot;
            for (var r = 0; r < d; r++)
            {
                if (r == c) continue;
                var f = a[r, c];
                for (var j = 0; j < 2 * d; j++) a[r, j] -= f * a[c, j];
            }
        }
        var inverse = new double[d, d];
        for (var i = 0; i < d; i++) for (var j = 0; j < d; j++) inverse[i, j] = a[i, d + j];
        return inverse;
    }

    [Fact]
    public void Sherman_Morrison_updates_match_the_direct_inverse_and_the_ridge_solution()
    {
        const int d = 6;
        const double lambda = 2.0;
        var xs = Contexts(200, d, 1);
        var rewards = xs.Select((x, n) => (double)(n % 3 == 0 ? 1 : 0)).ToArray();
        var arm = new LinearArm(d, lambda);
        for (var n = 0; n < xs.Length; n++) arm.Update(xs[n], rewards[n]);

        var inverse = DirectInverse(xs, d, lambda);
        for (var i = 0; i < d; i++)
            for (var j = 0; j < d; j++) Assert.Equal(inverse[i, j], arm.CovarianceInverse[i * d + j], 1e-9);

        // θ = A⁻¹b, b = Σ r x.
        var b = new double[d];
        for (var n = 0; n < xs.Length; n++) for (var i = 0; i < d; i++) b[i] += rewards[n] * xs[n][i];
        var theta = new double[d];
        arm.Coefficients(theta);
        for (var i = 0; i < d; i++)
        {
            double expected = 0;
            for (var j = 0; j < d; j++) expected += inverse[i, j] * b[j];
            Assert.Equal(expected, theta[i], 1e-9);
        }
        var x0 = xs[0];
        Assert.Equal(theta.Select((t, i) => t * x0[i]).Sum(), arm.Mean(x0), 1e-9);
        double width = 0;
        for (var i = 0; i < d; i++) for (var j = 0; j < d; j++) width += x0[i] * inverse[i, j] * x0[j];
        Assert.Equal(Math.Sqrt(width), arm.Width(x0), 1e-9);
        Assert.Equal(200, arm.Pulls);
        Assert.Equal(rewards.Sum(), arm.Rewards);
    }

    [Fact]
    public void A_reward_added_later_equals_updating_with_it()
    {
        float[] x = [1, 0.5f, -0.25f];
        var once = new LinearArm(3);
        once.Update(x, 1);
        var split = new LinearArm(3);
        split.Update(x, 0);
        split.AddReward(x, 1);
        Assert.Equal(once.CovarianceInverse, split.CovarianceInverse);
        Assert.Equal(once.RewardSums, split.RewardSums);
        Assert.Equal(once.Mean(x), split.Mean(x), 12);
    }

    [Fact]
    public void LinUcb_takes_the_highest_bound_and_the_bound_shrinks_with_data()
    {
        float[] x = [1, 0];
        var known = new LinearArm(2);
        for (var n = 0; n < 100; n++) known.Update(x, 0.3);
        var fresh = new LinearArm(2);
        // Greedy (α = 0) prefers the arm with a positive mean; a large α the untried one.
        Assert.Equal(0, LinUcb.Choose([known, fresh], x, alpha: 0));
        Assert.Equal(1, LinUcb.Choose([known, fresh], x, alpha: 5));
        Assert.True(known.Width(x) < 0.1 && fresh.Width(x) == 1);
        Assert.Equal(known.Mean(x) + 2 * known.Width(x), LinUcb.Bound(known, x, 2), 12);
    }

    [Fact]
    public void Json_round_trip_keeps_every_number_and_bad_input_is_refused()
    {
        var arm = new LinearArm(3, 0.5);
        arm.Update([1, 2, 3], 1);
        arm.Update([0, 1, 0], 0);
        var back = JsonSerializer.Deserialize<LinearArm>(JsonSerializer.Serialize(arm))!;
        Assert.Equal(arm.CovarianceInverse, back.CovarianceInverse);
        Assert.Equal(arm.RewardSums, back.RewardSums);
        Assert.Equal((arm.Pulls, arm.Rewards, arm.Dimensions), (back.Pulls, back.Rewards, back.Dimensions));

        Assert.Throws<ArgumentException>(() => arm.Update([1, 2], 1));
        Assert.Throws<ArgumentException>(() => arm.Update([1, float.NaN, 2], 1));
        Assert.Throws<ArgumentException>(() => new LinearArm(2, new double[3], new double[2], 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LinearArm(2, regularization: 0));
    }

    [Fact]
    public void The_context_is_a_bias_and_shares_of_positive_genre_affinity()
    {
        var features = new float[4];
        ArtworkContext.FromGenreAffinity([3, -1, 1], features);
        Assert.Equal([1f, 0.75f, 0f, 0.25f], features);
        ArtworkContext.FromGenreAffinity([0, 0, 0], features);
        Assert.Equal([1f, 0f, 0f, 0f], features);
        Assert.Throws<ArgumentException>(() => ArtworkContext.FromGenreAffinity([1, 2], features));
    }
}
