namespace Personalization.Grains.Signals;

/// <summary>
/// How much each event type says about a user's taste, bound from the <c>Signals</c> section.
/// Weights add up per (user, item); a positive sum means "likes it" with confidence 1 + alpha * sum,
/// a negative sum means "does not" with confidence 1 + alpha * |sum| (Hu, Koren and Volinsky 2008).
/// </summary>
public sealed class SignalOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Signals";

    /// <summary>Weight of starting a play.</summary>
    public float Play { get; set; } = 1f;

    /// <summary>Weight of watching <see cref="WatchFullSeconds"/> or more; less is prorated.</summary>
    public float Watch { get; set; } = 2f;

    /// <summary>Seconds of watching that count fully when the event does not say how long the item is (<c>context.duration</c>).</summary>
    public float WatchFullSeconds { get; set; } = 3600f;

    /// <summary>Share of the item's duration at which a watch counts as finished (not offered again, not "continue watching").</summary>
    public float FinishedShare { get; set; } = 0.9f;

    /// <summary>A watch shorter than this many seconds (and not finished) was abandoned early.</summary>
    public float AbandonedSeconds { get; set; } = 300f;

    /// <summary>Weight of a watch abandoned early: a mild "no", so a start then an abandon nets less than a start alone.</summary>
    public float Abandoned { get; set; } = -0.3f;

    /// <summary>A rating r contributes (r - RatingNeutral) * RatingScale: low ratings are negative.</summary>
    public float RatingNeutral { get; set; } = 2.5f;

    /// <summary>See <see cref="RatingNeutral"/>.</summary>
    public float RatingScale { get; set; } = 1f;

    /// <summary>Thumbs up adds this, thumbs down subtracts it.</summary>
    public float Thumbs { get; set; } = 3f;

    /// <summary>Weight of a skip (negative).</summary>
    public float Skip { get; set; } = -0.5f;

    /// <summary>Weight of a pause (engagement).</summary>
    public float Pause { get; set; } = 0.05f;

    /// <summary>Weight of a rewind (engagement).</summary>
    public float Rewind { get; set; } = 0.2f;

    /// <summary>Weight of an impression (none by default: being shown says nothing of taste).</summary>
    public float Impression { get; set; }

    /// <summary>Weight of a click.</summary>
    public float Click { get; set; } = 0.3f;

    /// <summary>Weight of adding to the list.</summary>
    public float AddToList { get; set; } = 1.5f;
}
