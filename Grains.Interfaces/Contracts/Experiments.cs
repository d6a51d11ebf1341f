namespace Personalization.Contracts;

/// <summary>Body of <c>POST /v1/experiments</c> and <c>PUT /v1/experiments/{id}</c>.</summary>
/// <param name="Id">Experiment id (on PUT, taken from the path when omitted).</param>
/// <param name="Variants">Variants with traffic shares summing to 1; the first is the control the others are compared with.</param>
public sealed record ExperimentDefinition(string? Id, IReadOnlyList<ExperimentVariant>? Variants);

/// <summary>A variant of an experiment.</summary>
/// <param name="Name">Variant name, unique within the experiment.</param>
/// <param name="Share">Share of the traffic, in (0, 1].</param>
/// <param name="Settings">Ranking settings this variant changes; unset ones keep the service's defaults.</param>
public sealed record ExperimentVariant(string? Name, double Share, ExperimentSettings? Settings = null);

/// <summary>The ranking settings a variant may change (see <c>Serving:Ranking</c>).</summary>
/// <param name="Diversity">MMR λ in [0, 1].</param>
/// <param name="PopularityPenalty">Popularity penalty β ≥ 0.</param>
/// <param name="ExplorationShare">Exploration share ε in [0, 1).</param>
/// <param name="CandidatePool">Candidates the controls choose from, 1 to 10,000.</param>
/// <param name="Model">
/// The model family the variant ranks with: <c>als</c>, <c>multvae</c> or <c>sasrec</c> (the newest published model of
/// that family); unset keeps the newest model of any family. An A/B test between ALS and a neural model names one in
/// each variant.
/// </param>
public sealed record ExperimentSettings(float? Diversity = null, float? PopularityPenalty = null, float? ExplorationShare = null, int? CandidatePool = null,
    string? Model = null);

/// <summary>An experiment as stored.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Epoch">Assignment epoch; grows only when a change asked to reassign users.</param>
/// <param name="Variants">Its variants.</param>
/// <param name="CreatedAt">When it was defined.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ExperimentView(string Id, int Epoch, IReadOnlyList<ExperimentVariant> Variants, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Answer to <c>GET /v1/experiments/{id}</c>: the analysis of the current epoch.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Epoch">The epoch analysed (exposures of earlier epochs do not count).</param>
/// <param name="Confidence">Confidence level of the intervals.</param>
/// <param name="Variants">Per variant: exposed users and what they did after their first exposure.</param>
/// <param name="Comparisons">Each variant against the control (the first variant), per metric.</param>
/// <param name="SampleRatio">The sample-ratio-mismatch check of exposed users against the shares.</param>
/// <param name="ComputedAt">When the analysis ran.</param>
public sealed record ExperimentReport(string Id, int Epoch, double Confidence, IReadOnlyList<VariantResult> Variants,
    IReadOnlyList<VariantComparison> Comparisons, SampleRatioResult SampleRatio, DateTimeOffset ComputedAt);

/// <summary>An estimate with its confidence interval; null where it is undefined (no users or no impressions).</summary>
/// <param name="Estimate">Point estimate.</param>
/// <param name="Low">Lower bound.</param>
/// <param name="High">Upper bound.</param>
public sealed record MetricInterval(double? Estimate, double? Low, double? High);

/// <summary>One variant's figures.</summary>
/// <param name="Name">Variant name.</param>
/// <param name="Share">Its traffic share.</param>
/// <param name="Users">Users exposed to it.</param>
/// <param name="Impressions">Their impressions after exposure.</param>
/// <param name="Clicks">Their clicks.</param>
/// <param name="Plays">Their plays.</param>
/// <param name="WatchSeconds">Their watch time in seconds.</param>
/// <param name="Ctr">Clicks per impression.</param>
/// <param name="PlaysPerImpression">Plays per impression.</param>
/// <param name="WatchSecondsPerUser">Watch time per exposed user.</param>
public sealed record VariantResult(string Name, double Share, long Users, long Impressions, long Clicks, long Plays, double WatchSeconds,
    MetricInterval Ctr, MetricInterval PlaysPerImpression, MetricInterval WatchSecondsPerUser);

/// <summary>A variant against the control on one metric.</summary>
/// <param name="Variant">The variant.</param>
/// <param name="Control">The control variant.</param>
/// <param name="Metric">ctr, playsPerImpression or watchSecondsPerUser.</param>
/// <param name="Difference">Variant minus control.</param>
/// <param name="Low">Lower bound of the difference.</param>
/// <param name="High">Upper bound of the difference.</param>
/// <param name="PValue">Two-sided p-value.</param>
/// <param name="Test">The test used.</param>
public sealed record VariantComparison(string Variant, string Control, string Metric, double? Difference, double? Low, double? High, double? PValue, string Test);

/// <summary>Sample-ratio-mismatch check: are exposed users split as the shares say?</summary>
/// <param name="ChiSquare">Pearson's statistic.</param>
/// <param name="DegreesOfFreedom">Variants − 1.</param>
/// <param name="PValue">Its p-value.</param>
/// <param name="Mismatch">True when p is below the threshold: the split is broken and the comparisons are not to be trusted.</param>
/// <param name="Test">The test and threshold.</param>
public sealed record SampleRatioResult(double? ChiSquare, int DegreesOfFreedom, double? PValue, bool Mismatch, string Test);
