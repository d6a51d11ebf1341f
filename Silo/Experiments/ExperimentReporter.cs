using Personalization.Contracts;
using Personalization.Grains.Experiments;
using Personalization.Recommender.Experiments;
using Personalization.Storage;

namespace Personalization.Silo.Experiments;

/// <summary>
/// Analyses an experiment's current epoch: its exposure log says who saw which variant from when, the interaction
/// history says what each of them did afterwards (impressions, clicks, plays, watch time), and
/// <see cref="ExperimentAnalyzer"/> turns the per-user outcomes into estimates, intervals, tests and the SRM check.
/// </summary>
/// <remarks>
/// A batch query over the whole history, as an analyst's warehouse job would run it: its cost grows with the history,
/// which is fine for an on-demand report and keeps the event path free of experiment bookkeeping.
/// </remarks>
public sealed class ExperimentReporter(IExperimentStore store, IInteractionHistory history, TimeProvider time)
{
    /// <summary>The report of an experiment's current epoch.</summary>
    public async Task<ExperimentReport> ReportAsync(RunningExperiment experiment, CancellationToken cancellationToken)
    {
        var exposures = await store.ReadExposuresAsync(experiment.Id, experiment.Epoch, cancellationToken);
        var exposed = new Dictionary<string, (int Variant, DateTimeOffset At)>(exposures.Count, StringComparer.Ordinal);
        foreach (var exposure in exposures)
        {
            var variant = experiment.IndexOf(exposure.Variant);
            if (variant >= 0) exposed.TryAdd(exposure.UserId, (variant, exposure.At));
        }

        var outcomes = new Dictionary<string, Outcome>(exposed.Count, StringComparer.Ordinal);
        await foreach (var record in history.ReadAllAsync(cancellationToken))
        {
            if (!exposed.TryGetValue(record.UserId, out var user) || record.Timestamp < user.At) continue;
            if (!InteractionTypes.TryParse(record.Type, out var type)) continue;
            ref var outcome = ref System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(outcomes, record.UserId, out _);
            switch (type)
            {
                case InteractionType.Impression: outcome.Impressions++; break;
                case InteractionType.Click: outcome.Clicks++; break;
                case InteractionType.Play: outcome.Plays++; break;
                case InteractionType.Watch: outcome.WatchSeconds += Math.Max(0, record.Value ?? 0); break;
            }
        }

        var users = experiment.Variants.Select(_ => new List<UserOutcome>()).ToArray();
        foreach (var (userId, user) in exposed)
        {
            var o = outcomes.GetValueOrDefault(userId);
            users[user.Variant].Add(new UserOutcome(o.Impressions, o.Clicks, o.Plays, o.WatchSeconds));
        }
        var inputs = experiment.Variants.Select((v, i) => new VariantInput(v.Name!, experiment.Shares[i], users[i])).ToList();
        var analysis = ExperimentAnalyzer.Analyze(inputs);
        return ToReport(experiment, analysis, time.GetUtcNow());
    }

    private static ExperimentReport ToReport(RunningExperiment experiment, ExperimentAnalysis analysis, DateTimeOffset now)
    {
        var control = analysis.Variants.Count > 0 ? analysis.Variants[0].Name : "";
        return new ExperimentReport(experiment.Id, experiment.Epoch, analysis.Confidence,
            analysis.Variants.Select(v => new VariantResult(v.Name, v.Share, v.Users, v.Impressions, v.Clicks, v.Plays, v.WatchSeconds,
                Interval(v.Ctr), Interval(v.PlaysPerImpression), Interval(v.WatchSecondsPerUser))).ToList(),
            analysis.Comparisons.Select(c => new VariantComparison(c.Variant, control, c.Metric, Finite(c.Difference), Finite(c.Low), Finite(c.High),
                Finite(c.PValue), c.Test)).ToList(),
            new SampleRatioResult(Finite(analysis.SampleRatio.ChiSquare), analysis.SampleRatio.DegreesOfFreedom, Finite(analysis.SampleRatio.PValue),
                analysis.SampleRatio.Mismatch, analysis.SampleRatio.Test),
            now);
    }

    // JSON has no NaN: an undefined figure (no users, no impressions) is null.
    private static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static MetricInterval Interval(Recommender.Experiments.Interval i) => new(Finite(i.Estimate), Finite(i.Low), Finite(i.High));

    private struct Outcome
    {
        public long Impressions;
        public long Clicks;
        public long Plays;
        public double WatchSeconds;
    }
}
