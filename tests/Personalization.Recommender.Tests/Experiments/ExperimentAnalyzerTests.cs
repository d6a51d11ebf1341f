using Personalization.Recommender.Experiments;

namespace Personalization.Recommender.Tests.Experiments;

public sealed class ExperimentAnalyzerTests
{
    // Control a: (impressions, clicks, plays, watch) per user; treatment b.
    private static readonly UserOutcome[] A = [new(10, 1, 0, 100), new(20, 3, 1, 200), new(30, 2, 2, 0)];
    private static readonly UserOutcome[] B = [new(10, 2, 1, 50), new(10, 2, 0, 150), new(20, 5, 2, 100)];

    [Fact]
    public void The_report_matches_hand_computed_figures()
    {
        var analysis = ExperimentAnalyzer.Analyze([new VariantInput("a", 0.5, A), new VariantInput("b", 0.5, B)]);
        var a = analysis.Variants[0];
        var b = analysis.Variants[1];
        Assert.Equal((3L, 60L, 6L, 3L, 300.0), (a.Users, a.Impressions, a.Clicks, a.Plays, a.WatchSeconds));
        Assert.Equal((3L, 40L, 9L, 3L, 300.0), (b.Users, b.Impressions, b.Clicks, b.Plays, b.WatchSeconds));

        // a: clicks x = [1,3,2] (x̄ 2), impressions y = [10,20,30] (ȳ 20): s_x² = 1, s_y² = 100, s_xy = 5.
        // var = (1/3)(1/20² − 2·2·5/20³ + 2²·100/20⁴) = (1/3)(0.0025 − 0.0025 + 0.0025) = 1/1200.
        const double z = 1.959963984540054;
        Assert.Equal(0.1, a.Ctr.Estimate, 12);
        Assert.Equal(0.1 - z * Math.Sqrt(1.0 / 1200), a.Ctr.Low, 9);
        Assert.Equal(0.1 + z * Math.Sqrt(1.0 / 1200), a.Ctr.High, 9);
        Assert.Equal(0.0434207133, a.Ctr.Low, 8);

        // b: x = [2,2,5] (x̄ 3), y = [10,10,20] (ȳ 40/3): s_x² = 3, s_y² = 100/3, s_xy = 10.
        // var = (1/3)(27/1600 − 1620/64000 + 24300/2560000) = (1/3)(0.016875 − 0.0253125 + 0.0094921875) = 0.0003515625.
        Assert.Equal(0.225, b.Ctr.Estimate, 12);
        Assert.Equal(z * Math.Sqrt(0.0003515625), b.Ctr.High - b.Ctr.Estimate, 9);

        // b − a: 0.125, se = √(1/1200 + 0.0003515625) = 0.0344223159, z = 3.6313652, p = 0.000281926.
        var ctr = analysis.Comparisons.Single(c => c.Metric == ExperimentAnalyzer.Ctr);
        Assert.Equal("b", ctr.Variant);
        Assert.Equal(0.125, ctr.Difference, 12);
        Assert.Equal(0.125 - z * 0.0344223159205, ctr.Low, 9);
        Assert.Equal(0.000281925908, ctr.PValue, 9);
        Assert.Equal(ExperimentAnalyzer.RatioTest, ctr.Test);

        // Plays per impression: a 3/60, b 3/40. Watch per user: 100 and 100 (variances 10000/3 and 2500/3), p = 1.
        Assert.Equal(0.05, a.PlaysPerImpression.Estimate, 12);
        Assert.Equal(0.075, b.PlaysPerImpression.Estimate, 12);
        Assert.Equal(100, a.WatchSecondsPerUser.Estimate, 12);
        Assert.Equal(100 + z * Math.Sqrt(10000.0 / 3), a.WatchSecondsPerUser.High, 9);
        var watch = analysis.Comparisons.Single(c => c.Metric == ExperimentAnalyzer.WatchSecondsPerUser);
        Assert.Equal(0, watch.Difference, 12);
        Assert.Equal(1, watch.PValue, 12);
        Assert.Equal(ExperimentAnalyzer.MeanTest, watch.Test);

        Assert.Equal(0, analysis.SampleRatio.ChiSquare, 12);
        Assert.False(analysis.SampleRatio.Mismatch);
    }

    [Fact]
    public void A_sample_ratio_mismatch_is_flagged_and_a_balanced_split_is_not()
    {
        // 50/50 with 10,000 and 10,600 users: χ² = 2·300²/10,300 = 17.4757, p = 2.91e-5 < 0.001.
        var broken = ExperimentAnalyzer.SampleRatio([10_000, 10_600], [0.5, 0.5]);
        Assert.Equal(17.475728155339805, broken.ChiSquare, 9);
        Assert.Equal(2.9099921e-5, broken.PValue, 10);
        Assert.True(broken.Mismatch);
        var fine = ExperimentAnalyzer.SampleRatio([10_000, 10_100], [0.5, 0.5]);
        Assert.False(fine.Mismatch);
        // Shares are respected: 20/80 observed as 2,000/8,000 is no mismatch.
        Assert.False(ExperimentAnalyzer.SampleRatio([2_000, 8_000], [0.2, 0.8]).Mismatch);
        Assert.True(ExperimentAnalyzer.SampleRatio([5_000, 5_000], [0.2, 0.8]).Mismatch);
    }

    [Fact]
    public void Distributions_match_table_values()
    {
        Assert.Equal(0.05, Distributions.ChiSquareSurvival(3.841458820694124, 1), 12);
        Assert.Equal(0.05, Distributions.ChiSquareSurvival(5.991464547107979, 2), 12);
        Assert.Equal(0.018566135463043, Distributions.ChiSquareSurvival(10, 3), 12);
        Assert.Equal(1.959963984540054, Distributions.NormalQuantile(0.975), 12);
        Assert.Equal(-2.326347874040841, Distributions.NormalQuantile(0.01), 12);
        Assert.Equal(0.841344746068543, Distributions.NormalCdf(1), 12);
        Assert.Equal(0.5, Distributions.NormalCdf(0), 15);
        Assert.Equal(Math.Log(24), Distributions.LogGamma(5), 12);
    }

    [Fact]
    public void Empty_and_single_user_variants_give_undefined_figures_not_exceptions_and_bad_input_is_named()
    {
        var analysis = ExperimentAnalyzer.Analyze([new VariantInput("a", 1, []), new VariantInput("b", 1, [new UserOutcome(5, 1, 0, 10)])]);
        Assert.True(double.IsNaN(analysis.Variants[0].Ctr.Estimate));
        Assert.Equal(0.2, analysis.Variants[1].Ctr.Estimate, 12);
        Assert.True(double.IsNaN(analysis.Variants[1].Ctr.Low));
        Assert.All(analysis.Comparisons, c => Assert.True(double.IsNaN(c.PValue)));

        Assert.Contains("share", Assert.Throws<ArgumentException>(() => ExperimentAnalyzer.Analyze([new VariantInput("a", 0, [])])).Message);
        Assert.Contains("Confidence", Assert.Throws<ArgumentException>(() => ExperimentAnalyzer.Analyze([new VariantInput("a", 1, [])], 1)).Message);
        Assert.Throws<ArgumentException>(() => ExperimentAnalyzer.Analyze([]));
    }
}

/// <summary>The worked example of docs/experiments.md: the figures there are these, so the docs cannot drift.</summary>
public sealed class ExperimentReportExampleTests
{
    /// <summary>2 variants × 2,000 users; each user sees 20–59 items; click probability 10% (control) and 11% (treatment).</summary>
    public static ExperimentAnalysis Example()
    {
        var random = new Random(2026);
        VariantInput Variant(string name, double ctr, int users) => new(name, 0.5, Enumerable.Range(0, users).Select(_ =>
        {
            var impressions = random.Next(20, 60);
            var clicks = Enumerable.Range(0, impressions).Count(_ => random.NextDouble() < ctr);
            var plays = Enumerable.Range(0, clicks).Count(_ => random.NextDouble() < 0.6);
            var watch = Enumerable.Range(0, plays).Sum(_ => 600 + random.NextDouble() * 3000);
            return new UserOutcome(impressions, clicks, plays, watch);
        }).ToList());
        return ExperimentAnalyzer.Analyze([Variant("control", 0.10, 2000), Variant("treatment", 0.11, 2000)]);
    }

    [Fact]
    public void The_documented_example_report()
    {
        var report = Example();
        var lines = report.Variants.Select(v => FormattableString.Invariant(
            $"{v.Name} {v.Users} {v.Impressions} {v.Clicks} {v.Ctr.Estimate:F5} [{v.Ctr.Low:F5}, {v.Ctr.High:F5}] {v.PlaysPerImpression.Estimate:F5} {v.WatchSecondsPerUser.Estimate:F1}"))
            .Concat(report.Comparisons.Select(c => FormattableString.Invariant($"{c.Metric} {c.Difference:F5} [{c.Low:F5}, {c.High:F5}] p={c.PValue:E2}")))
            .Append(FormattableString.Invariant($"srm {report.SampleRatio.ChiSquare:F3} p={report.SampleRatio.PValue:F3} {report.SampleRatio.Mismatch}"));
        Assert.Equal(ExpectedLines, lines.ToArray());
    }

    private static readonly string[] ExpectedLines =
    [
        "control 2000 79280 7820 0.09864 [0.09654, 0.10074] 0.05961 4937.9",
        "treatment 2000 79599 8705 0.10936 [0.10728, 0.11144] 0.06586 5496.4",
        "ctr 0.01072 [0.00777, 0.01368] p=1.16E-012",
        "playsPerImpression 0.00624 [0.00390, 0.00859] p=1.85E-007",
        "watchSecondsPerUser 558.49890 [327.29239, 789.70541] p=2.20E-006",
        "srm 0.000 p=1.000 False",
    ];
}
