namespace Personalization.Grains.Users;

/// <summary>A user grain's persistent state.</summary>
public sealed class UserState : Streams.IStreamFedState
{
    /// <summary>The stream records this state holds.</summary>
    public Streams.StreamPosition Position { get; set; } = new();

    /// <summary>Events applied to this user (imported history included).</summary>
    public long Interactions { get; set; }

    /// <summary>True once the user's imported history was loaded into this state.</summary>
    public bool Imported { get; set; }

    /// <summary>Most recent events, oldest first (bounded).</summary>
    public List<RecentEntry> Recent { get; set; } = [];

    /// <summary>Summed signal per item (bounded: least recently touched items drop out first).</summary>
    public Dictionary<string, ProfileEntry> Profile { get; set; } = [];

    /// <summary>The event ids applied within the deduplication window.</summary>
    public Streams.EventIdWindow EventIds { get; set; } = new();
}

/// <summary>One remembered event.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Type">Wire name of the event type.</param>
/// <param name="Value">Event value.</param>
/// <param name="TimestampMs">Unix ms.</param>
public sealed record RecentEntry(string ItemId, string Type, float? Value, long TimestampMs);

/// <summary>What the user's events say about one item.</summary>
public sealed class ProfileEntry
{
    /// <summary>Summed signed signal weight.</summary>
    public float Weight { get; set; }

    /// <summary>Unix ms of the latest event on the item.</summary>
    public long LastMs { get; set; }

    /// <summary>Played, watched, rated or thumbed: not to be recommended again in discovery rows.</summary>
    public bool Consumed { get; set; }

    /// <summary>Started (a play or a watch).</summary>
    public bool Started { get; set; }

    /// <summary>Watched to the end, rated or thumbed: out of every row, "Continue watching" included.</summary>
    public bool Finished { get; set; }

    /// <summary>Furthest watch position in seconds (the largest watch value).</summary>
    public float ProgressSeconds { get; set; }
}
