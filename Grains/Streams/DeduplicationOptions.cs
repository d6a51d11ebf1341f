namespace Personalization.Grains.Streams;

/// <summary>How long and how many event ids the grains remember, bound from the <c>Deduplication</c> section.</summary>
public sealed class DeduplicationOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Deduplication";

    /// <summary>How long an applied event id is remembered, in log time: a retry within it is applied once.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Most event ids a user grain remembers (a user's events within the window rarely come near it).</summary>
    public int MaxPerUser { get; set; } = 256;

    /// <summary>
    /// Most (user, event id) pairs an item grain remembers. An item watched by many users at once keeps a shorter
    /// window than <see cref="Window"/>: at 100 events/s, 4,096 pairs cover 40 s of retries.
    /// </summary>
    public int MaxPerItem { get; set; } = 4_096;
}
