namespace Personalization.Recommender.Experiments;

/// <summary>One exposed user's outcome after their first exposure: the unit of randomization, so the unit of analysis.</summary>
/// <param name="Impressions">Items shown.</param>
/// <param name="Clicks">Items clicked.</param>
/// <param name="Plays">Plays started.</param>
/// <param name="WatchSeconds">Seconds watched.</param>
public readonly record struct UserOutcome(long Impressions, long Clicks, long Plays, double WatchSeconds);

/// <summary>A variant's input to the analysis.</summary>
/// <param name="Name">Variant name.</param>
/// <param name="Share">Its traffic share (normalized over the variants for the ratio check).</param>
/// <param name="Users">The outcome of every exposed user, zeros included.</param>
public sealed record VariantInput(string Name, double Share, IReadOnlyList<UserOutcome> Users);

/// <summary>An estimate with its confidence interval; NaN where undefined (no users, no impressions, one user).</summary>
/// <param name="Estimate">Point estimate.</param>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
public sealed record Interval(double Estimate, double Low, double High);

/// <summary>A variant's figures.</summary>
/// <param name="Name">Variant name.</param>
/// <param name="Share">Normalized traffic share.</param>
/// <param name="Users">Exposed users.</param>
/// <param name="Impressions">Their impressions.</param>
/// <param name="Clicks">Their clicks.</param>
/// <param name="Plays">Their plays.</param>
/// <param name="WatchSeconds">Their watch time.</param>
/// <param name="Ctr">Clicks per impression (delta-method interval).</param>
/// <param name="PlaysPerImpression">Plays per impression (delta-method interval).</param>
/// <param name="WatchSecondsPerUser">Watch seconds per exposed user (normal interval).</param>
public sealed record VariantReport(string Name, double Share, long Users, long Impressions, long Clicks, long Plays, double WatchSeconds,
    Interval Ctr, Interval PlaysPerImpression, Interval WatchSecondsPerUser);

/// <summary>A variant against the control (the first variant) on one metric.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Metric"><see cref="ExperimentAnalyzer.Ctr"/>, <see cref="ExperimentAnalyzer.PlaysPerImpression"/> or <see cref="ExperimentAnalyzer.WatchSecondsPerUser"/>.</param>
/// <param name="Difference">Variant minus control.</param>
/// <param name="Low">Lower bound of the difference.</param>
/// <param name="High">Upper bound of the difference.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="Test">The test used.</param>
public sealed record Comparison(string Variant, string Metric, double Difference, double Low, double High, double PValue, string Test);

/// <summary>The sample-ratio-mismatch check.</summary>
/// <param name="ChiSquare">Pearson's statistic of exposed users per variant against the shares.</param>
/// <param name="DegreesOfFreedom">Variants − 1.</param>
/// <param name="PValue">Its p-value.</param>
/// <param name="Mismatch">p &lt; <see cref="ExperimentAnalyzer.SrmAlpha"/>: the split is broken, do not trust the comparisons.</param>
/// <param name="Test">The test and threshold.</param>
public sealed record SampleRatioCheck(double ChiSquare, int DegreesOfFreedom, double PValue, bool Mismatch, string Test);

/// <summary>The analysis of an experiment.</summary>
/// <param name="Confidence">Confidence level of the intervals.</param>
/// <param name="Variants">Per variant, control first.</param>
/// <param name="Comparisons">Each other variant against the control, per metric.</param>
/// <param name="SampleRatio">The ratio check.</param>
public sealed record ExperimentAnalysis(double Confidence, IReadOnlyList<VariantReport> Variants, IReadOnlyList<Comparison> Comparisons, SampleRatioCheck SampleRatio);
