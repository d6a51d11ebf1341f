using System.Globalization;
using Personalization.Storage;

namespace Personalization.Trainer.Training;

/// <summary>
/// Decides whether a candidate replaces the serving model: it must not fall below the newest published model's gate
/// metric by more than the margin, so a bad batch (a broken import, a data outage) cannot silently degrade the
/// home page.
/// </summary>
/// <remarks>
/// The two figures come from the same protocol, seed and K, each on its own training data; the comparison is
/// therefore approximate when the data moved a lot, which is what the margin absorbs.
/// </remarks>
public static class PublishGate
{
    /// <summary>Whether to publish, and why.</summary>
    /// <param name="options">Gate metric and margin.</param>
    /// <param name="candidate">The candidate's metrics.</param>
    /// <param name="current">The newest published model, if any.</param>
    public static (bool Publish, string Reason) Decide(TrainingOptions options, IReadOnlyDictionary<string, double> candidate, ModelInfo? current)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(candidate);
        string metric = options.GateMetric;
        if (current is null)
            return (true, "first model");
        if (!current.Metrics.TryGetValue(metric, out double baseline))
            return (true, $"v{current.Version} has no {metric} to compare with");
        if (!candidate.TryGetValue(metric, out double value))
            return (true, $"the candidate was not evaluated ({metric} missing); publishing as configured");
        double floor = baseline * (1 - options.PublishMargin);
        string figures = string.Create(CultureInfo.InvariantCulture,
            $"{metric} {value:F4} against v{current.Version}'s {baseline:F4} (floor {floor:F4} at margin {options.PublishMargin:P0})");
        return value >= floor ? (true, figures) : (false, "worse than the serving model: " + figures);
    }
}
