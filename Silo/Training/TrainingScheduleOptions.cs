namespace Personalization.Silo.Training;

/// <summary>When the cluster retrains on its own, bound from <c>Training:Schedule</c>. Both triggers are off by default.</summary>
public sealed class TrainingScheduleOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Training:Schedule";

    /// <summary>Retrain when the newest model is older than this (e.g. <c>06:00:00</c>); null turns the trigger off.</summary>
    public TimeSpan? Interval { get; set; }

    /// <summary>Retrain when this many events arrived since the newest model was trained; 0 turns the trigger off.</summary>
    public long MinNewEvents { get; set; }

    /// <summary>How often the triggers are checked.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether any trigger is on.</summary>
    public bool Enabled => Interval is not null || MinNewEvents > 0;
}
