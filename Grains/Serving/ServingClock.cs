namespace Personalization.Grains.Serving;

/// <summary>
/// The clock a page is built by: it picks the hour of day a request without one is laid out for, and the hour
/// that seeds each user's exploration draw. Separate from the host's <see cref="TimeProvider"/>, which Orleans'
/// membership shares, so that a test can fix the hour of day without moving the cluster's clock.
/// </summary>
public sealed class ServingClock(TimeProvider time)
{
    /// <summary>Now.</summary>
    public DateTimeOffset UtcNow => time.GetUtcNow();

    /// <summary>The local hour of day (0–23).</summary>
    public int LocalHour => time.GetLocalNow().Hour;
}
