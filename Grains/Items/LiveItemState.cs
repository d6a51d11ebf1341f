namespace Personalization.Grains.Items;

/// <summary>One interaction an item grain remembers.</summary>
/// <param name="UserId">Who.</param>
/// <param name="Type">Wire name of the event type.</param>
/// <param name="Weight">Its signed signal weight.</param>
/// <param name="TimestampMs">Unix ms.</param>
public sealed record ItemRecentEntry(string UserId, string Type, float Weight, long TimestampMs);

/// <summary>What an item's live vector is solved from, for one model version.</summary>
public sealed class LiveItemState
{
    /// <summary>The model version the users' vectors and the solved vector are in.</summary>
    public long ModelVersion { get; set; }

    /// <summary>Interactions folded in since that model (each counted once).</summary>
    public int Interactions { get; set; }

    /// <summary>The most recent interacting users with their summed weight and latest vector (bounded).</summary>
    public List<LiveContribution> Users { get; set; } = [];

    /// <summary>The solved vector; null until the first solve.</summary>
    public float[]? Vector { get; set; }
}

/// <summary>One user's share of an item's live vector.</summary>
public sealed class LiveContribution
{
    /// <summary>The user.</summary>
    public string UserId { get; set; } = "";

    /// <summary>Summed signed signal weight of the user's events on the item.</summary>
    public float Weight { get; set; }

    /// <summary>The user's latest live vector.</summary>
    public float[] Vector { get; set; } = [];

    /// <summary>Unix ms of the user's latest event on the item.</summary>
    public long LastMs { get; set; }
}
