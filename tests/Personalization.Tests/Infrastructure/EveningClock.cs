namespace Personalization.Tests.Infrastructure;

/// <summary>
/// A clock that starts at 20:00 UTC of today and then runs at the real pace: tests see a fixed hour of day (which
/// shapes the home page) whatever the hour they run at, while timers, caches and decay still see time pass.
/// </summary>
public sealed class EveningClock : TimeProvider
{
    private readonly TimeSpan _shift = DateTimeOffset.UtcNow.Date.AddHours(20) - DateTime.UtcNow;

    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + _shift;

    /// <inheritdoc />
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
