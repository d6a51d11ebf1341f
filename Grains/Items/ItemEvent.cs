using Personalization.Contracts;

namespace Personalization.Grains.Items;

/// <summary>
/// An interaction re-keyed by item on <see cref="StreamTopics.ItemEvents"/>. It carries where it came
/// from in <see cref="StreamTopics.Interactions"/>: a replay of the source re-forwards records, and the
/// item grain drops the copies by source offset.
/// </summary>
public sealed record ItemEvent
{
    /// <summary>The item.</summary>
    public required string ItemId { get; init; }

    /// <summary>The user.</summary>
    public required string UserId { get; init; }

    /// <summary>The event type.</summary>
    public required InteractionType Type { get; init; }

    /// <summary>The event value.</summary>
    public float? Value { get; init; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Partition of the source record.</summary>
    public int SourcePartition { get; init; }

    /// <summary>Offset of the source record.</summary>
    public long SourceOffset { get; init; }

    /// <summary>The artwork variant the client showed (<c>context.artworkId</c> of an impression or click).</summary>
    public string? ArtworkId { get; init; }

    /// <summary>The user's bandit features when the event was re-keyed, for an event with <see cref="ArtworkId"/>.</summary>
    public float[]? ArtworkContext { get; init; }

    /// <summary>The source event's idempotency key, if the client gave one.</summary>
    public string? EventId { get; init; }

    /// <summary>The event's signed signal weight (the user grains' <see cref="Signals.SignalPolicy"/>).</summary>
    public float Weight { get; init; }

    /// <summary>The user's live vector when the event was re-keyed, if its grain had one: the item side of the ALS step.</summary>
    public float[]? UserVector { get; init; }

    /// <summary>The model version <see cref="UserVector"/> was folded in against.</summary>
    public long UserVectorModel { get; init; }
}
