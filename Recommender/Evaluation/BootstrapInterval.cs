namespace Personalization.Recommender.Evaluation;

/// <summary>
/// A 95% (or other) confidence interval of a mean over users by the percentile bootstrap (Efron and Tibshirani 1993):
/// resample the users with replacement, take each resample's mean, and read the interval off those means' quantiles.
/// </summary>
/// <remarks>
/// Why the bootstrap rather than mean ± 1.96 standard errors: per-user ranking metrics are bounded, skewed and often
/// mostly zero (a user whose few test items all miss scores 0), so the normal approximation is poor for the few
/// hundred users of a small data set; the bootstrap needs no such assumption. The resamples come from a seeded
/// generator, so a report is reproducible. Cost: resamples × users additions, 0.1 s for 100,000 users.
/// </remarks>
public static class BootstrapInterval
{
    /// <summary>Resamples per interval unless the caller says.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>The percentile interval of the mean of <paramref name="values"/>.</summary>
    /// <param name="values">One value per user.</param>
    /// <param name="resamples">Bootstrap resamples, at least 100.</param>
    /// <param name="seed">Seed of the resampling.</param>
    /// <param name="confidence">Coverage in (0, 1), 0.95 by default.</param>
    /// <returns>The interval; (NaN, NaN) for no values.</returns>
    public static ConfidenceInterval OfMean(ReadOnlySpan<double> values, int resamples = DefaultResamples, int seed = 1, double confidence = 0.95)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 100);
        if (!(confidence > 0 && confidence < 1))
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "Confidence must be in (0, 1).");
        int n = values.Length;
        if (n == 0)
            return new ConfidenceInterval(double.NaN, double.NaN);
        var random = new Random(seed);
        var means = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
                sum += values[random.Next(n)];
            means[b] = sum / n;
        }
        Array.Sort(means);
        double tail = (1 - confidence) / 2;
        return new ConfidenceInterval(Quantile(means, tail), Quantile(means, 1 - tail));
    }

    // Linear interpolation between order statistics (type 7, the default of R and NumPy).
    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}

/// <summary>A confidence interval of a metric.</summary>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
public readonly record struct ConfidenceInterval(double Low, double High);
