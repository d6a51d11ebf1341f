using Personalization.Recommender.Evaluation;

namespace Personalization.Recommender.Tests;

public class BootstrapIntervalTests
{
    [Fact]
    public void The_interval_holds_the_mean_and_narrows_with_more_users()
    {
        var random = new Random(3);
        double[] few = Enumerable.Range(0, 100).Select(_ => random.NextDouble() < 0.3 ? 1.0 : 0.0).ToArray();
        double[] many = Enumerable.Range(0, 10_000).Select(_ => random.NextDouble() < 0.3 ? 1.0 : 0.0).ToArray();
        var (lowFew, highFew) = BootstrapInterval.OfMean(few, seed: 1);
        var (lowMany, highMany) = BootstrapInterval.OfMean(many, seed: 1);

        Assert.InRange(few.Average(), lowFew, highFew);
        Assert.InRange(many.Average(), lowMany, highMany);
        // A Bernoulli(0.3) mean over n users has a 95% half-width of about 1.96·sqrt(0.21/n): 0.09 at 100, 0.009 at 10,000.
        Assert.InRange(highFew - lowFew, 0.12, 0.24);
        Assert.InRange(highMany - lowMany, 0.012, 0.024);
        Assert.Equal(new ConfidenceInterval(lowFew, highFew), BootstrapInterval.OfMean(few, seed: 1));
    }

    [Fact]
    public void Ninety_five_percent_intervals_cover_the_true_mean_about_95_times_in_100()
    {
        // 200 samples of 200 users each from Bernoulli(0.2): the interval should miss the true 0.2 about 5% of the time.
        var random = new Random(11);
        int covered = 0;
        for (int trial = 0; trial < 200; trial++)
        {
            double[] values = Enumerable.Range(0, 200).Select(_ => random.NextDouble() < 0.2 ? 1.0 : 0.0).ToArray();
            var (low, high) = BootstrapInterval.OfMean(values, resamples: 400, seed: trial);
            if (low <= 0.2 && 0.2 <= high) covered++;
        }
        Assert.InRange(covered, 178, 198);
    }

    [Fact]
    public void No_users_give_no_interval_and_bad_settings_are_refused()
    {
        var (low, high) = BootstrapInterval.OfMean([]);
        Assert.True(double.IsNaN(low) && double.IsNaN(high));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.OfMean([1.0], resamples: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => BootstrapInterval.OfMean([1.0], confidence: 1));
    }
}
