namespace Personalization.Recommender.Experiments;

/// <summary>
/// The statistics of an A/B report, with the user as the unit (users are what is randomized).
/// </summary>
/// <remarks>
/// <para><b>Ratio metrics</b> (CTR = Σclicks/Σimpressions, plays per impression) are ratios of two per-user means, whose
/// numerator and denominator are correlated within a user; the naive binomial variance over impressions understates
/// it. The delta method (Deng, Knoblich and Lu 2018) gives var(x̄/ȳ) ≈ (1/n)·(s_x²/ȳ² − 2·x̄·s_xy/ȳ³ + x̄²·s_y²/ȳ⁴)
/// with sample (co)variances over the n users.</para>
/// <para><b>Mean metrics</b> (watch seconds per user): var = s²/n.</para>
/// <para><b>Comparisons</b> against the control: the difference, its variance the sum of the two (independent groups,
/// Welch-style), a normal interval and a two-sided z-test — fine at the sample sizes an online experiment has.</para>
/// <para><b>Sample-ratio mismatch</b>: Pearson's chi-square of exposed users per variant against the shares, flagged
/// below <see cref="SrmAlpha"/> (Fabijan et al. 2019): a broken split (a bug in assignment, logging or a filter)
/// invalidates every comparison, so the report says so first.</para>
/// </remarks>
public static class ExperimentAnalyzer
{
    /// <summary>Threshold of the ratio check (the usual 0.001: a mismatch must be clear before the report is distrusted).</summary>
    public const double SrmAlpha = 0.001;

    /// <summary>Metric name of clicks per impression.</summary>
    public const string Ctr = "ctr";

    /// <summary>Metric name of plays per impression.</summary>
    public const string PlaysPerImpression = "playsPerImpression";

    /// <summary>Metric name of watch seconds per user.</summary>
    public const string WatchSecondsPerUser = "watchSecondsPerUser";

    /// <summary>Test name of the ratio metrics' comparisons.</summary>
    public const string RatioTest = "two-sided z-test, delta-method variance over users (Deng et al. 2018)";

    /// <summary>Test name of the mean metrics' comparisons.</summary>
    public const string MeanTest = "two-sided Welch z-test over users";

    /// <summary>Test name of the ratio check.</summary>
    public const string SrmTest = "Pearson chi-square goodness of fit of users per variant against the shares; mismatch when p < 0.001";

    /// <summary>Analyses the variants (the first is the control).</summary>
    /// <exception cref="ArgumentException">No variants, a share that is not finite and positive, or a confidence outside (0, 1).</exception>
    public static ExperimentAnalysis Analyze(IReadOnlyList<VariantInput> variants, double confidence = 0.95)
    {
        ArgumentNullException.ThrowIfNull(variants);
        if (variants.Count == 0) throw new ArgumentException("At least one variant is required.", nameof(variants));
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentException($"Confidence must be in (0, 1), not {confidence}.", nameof(confidence));
        foreach (var v in variants)
        {
            if (v is null || v.Users is null) throw new ArgumentException("Variants and their user lists must not be null.", nameof(variants));
            if (!(v.Share > 0) || !double.IsFinite(v.Share)) throw new ArgumentException($"Variant '{v.Name}': the share must be finite and positive, not {v.Share}.", nameof(variants));
        }
        var z = Distributions.NormalQuantile(1 - (1 - confidence) / 2);
        var totalShare = variants.Sum(v => v.Share);
        var stats = variants.Select(v => new Moments(v.Users)).ToArray();

        var reports = new List<VariantReport>(variants.Count);
        for (var i = 0; i < variants.Count; i++)
        {
            var s = stats[i];
            reports.Add(new VariantReport(variants[i].Name, variants[i].Share / totalShare, s.N, s.Impressions, s.Clicks, s.Plays, s.Watch,
                Around(s.CtrMean, s.CtrVariance, z), Around(s.PlaysMean, s.PlaysVariance, z), Around(s.WatchMean, s.WatchVariance, z)));
        }

        var comparisons = new List<Comparison>();
        var control = stats[0];
        for (var i = 1; i < variants.Count; i++)
        {
            var s = stats[i];
            comparisons.Add(Compare(variants[i].Name, Ctr, s.CtrMean, s.CtrVariance, control.CtrMean, control.CtrVariance, z, RatioTest));
            comparisons.Add(Compare(variants[i].Name, PlaysPerImpression, s.PlaysMean, s.PlaysVariance, control.PlaysMean, control.PlaysVariance, z, RatioTest));
            comparisons.Add(Compare(variants[i].Name, WatchSecondsPerUser, s.WatchMean, s.WatchVariance, control.WatchMean, control.WatchVariance, z, MeanTest));
        }
        return new ExperimentAnalysis(confidence, reports, comparisons, SampleRatio(variants, stats, totalShare));
    }

    /// <summary>The ratio check alone: observed users per variant against the shares.</summary>
    public static SampleRatioCheck SampleRatio(ReadOnlySpan<long> users, ReadOnlySpan<double> shares)
    {
        if (users.Length != shares.Length || users.Length == 0) throw new ArgumentException("One share per variant is required.", nameof(shares));
        double total = 0, shareTotal = 0;
        foreach (var u in users) total += u;
        foreach (var s in shares) shareTotal += s;
        var df = users.Length - 1;
        if (df == 0 || total == 0) return new SampleRatioCheck(0, df, 1, false, SrmTest);
        double chi = 0;
        for (var i = 0; i < users.Length; i++)
        {
            var expected = total * shares[i] / shareTotal;
            chi += (users[i] - expected) * (users[i] - expected) / expected;
        }
        var p = Distributions.ChiSquareSurvival(chi, df);
        return new SampleRatioCheck(chi, df, p, p < SrmAlpha, SrmTest);
    }

    private static SampleRatioCheck SampleRatio(IReadOnlyList<VariantInput> variants, Moments[] stats, double totalShare)
    {
        var users = stats.Select(s => s.N).ToArray();
        var shares = variants.Select(v => v.Share / totalShare).ToArray();
        return SampleRatio(users, shares);
    }

    private static Interval Around(double estimate, double variance, double z)
    {
        var half = z * Math.Sqrt(variance);
        return new Interval(estimate, estimate - half, estimate + half);
    }

    private static Comparison Compare(string variant, string metric, double mean, double variance, double controlMean, double controlVariance, double z, string test)
    {
        var difference = mean - controlMean;
        var se = Math.Sqrt(variance + controlVariance);
        var p = se > 0 ? Distributions.TwoSidedP(difference / se) : double.NaN;
        return new Comparison(variant, metric, difference, difference - z * se, difference + z * se, p, test);
    }

    /// <summary>Per-variant sums and the variances of its metrics.</summary>
    private readonly struct Moments
    {
        public readonly long N, Impressions, Clicks, Plays;
        public readonly double Watch;
        public readonly double CtrMean, CtrVariance, PlaysMean, PlaysVariance, WatchMean, WatchVariance;

        public Moments(IReadOnlyList<UserOutcome> users)
        {
            N = users.Count;
            foreach (var u in users)
            {
                Impressions += u.Impressions;
                Clicks += u.Clicks;
                Plays += u.Plays;
                Watch += u.WatchSeconds;
            }
            (CtrMean, CtrVariance) = Ratio(users, u => u.Clicks, u => u.Impressions);
            (PlaysMean, PlaysVariance) = Ratio(users, u => u.Plays, u => u.Impressions);
            if (N == 0)
            {
                (WatchMean, WatchVariance) = (double.NaN, double.NaN);
            }
            else
            {
                WatchMean = Watch / N;
                double ss = 0;
                foreach (var u in users) ss += (u.WatchSeconds - WatchMean) * (u.WatchSeconds - WatchMean);
                WatchVariance = N > 1 ? ss / (N - 1) / N : double.NaN;
            }
        }

        // Delta method for x̄/ȳ over users (Deng et al. 2018, eq. 3), sample (co)variances with n − 1.
        private static (double Mean, double Variance) Ratio(IReadOnlyList<UserOutcome> users, Func<UserOutcome, double> x, Func<UserOutcome, double> y)
        {
            var n = users.Count;
            if (n == 0) return (double.NaN, double.NaN);
            double sx = 0, sy = 0;
            foreach (var u in users) { sx += x(u); sy += y(u); }
            double mx = sx / n, my = sy / n;
            if (my == 0) return (double.NaN, double.NaN);
            if (n < 2) return (mx / my, double.NaN);
            double vxx = 0, vyy = 0, vxy = 0;
            foreach (var u in users)
            {
                double dx = x(u) - mx, dy = y(u) - my;
                vxx += dx * dx;
                vyy += dy * dy;
                vxy += dx * dy;
            }
            vxx /= n - 1;
            vyy /= n - 1;
            vxy /= n - 1;
            var variance = (vxx / (my * my) - 2 * mx * vxy / (my * my * my) + mx * mx * vyy / (my * my * my * my)) / n;
            return (mx / my, Math.Max(0, variance));
        }
    }
}
