namespace Personalization.Silo.Training;

/// <summary>One training run as the admin API shows it.</summary>
/// <param name="Id">Run id.</param>
/// <param name="Trigger">Who asked: <c>admin</c>, <c>schedule:interval</c>, <c>schedule:events</c>.</param>
/// <param name="Status">running, published, rejected or failed.</param>
/// <param name="RequestedAt">When it was asked for.</param>
/// <param name="FinishedAt">When it ended, if it has.</param>
/// <param name="Version">The candidate's version, once trained.</param>
/// <param name="Reason">The publish gate's reason, or the failure.</param>
/// <param name="Metrics">The candidate's evaluation and training figures.</param>
public sealed record TrainingRun(
    string Id, string Trigger, string Status, DateTimeOffset RequestedAt, DateTimeOffset? FinishedAt, long? Version, string? Reason,
    IReadOnlyDictionary<string, double>? Metrics)
{
    /// <summary>Status of a run still working.</summary>
    public const string Running = "running";

    /// <summary>Whether the run has ended.</summary>
    public bool Finished => Status != Running;
}
