namespace Personalization.Runtime.Placement;

/// <summary>
/// Thrown when a grain is called on a silo that does not own its partition (yet, or any more).
/// Gateways answer 503 with Retry-After: the caller retries and reaches the owner.
/// </summary>
public sealed class GrainNotOwnedException(GrainId grainId, string topic, int partition)
    : Exception($"This silo does not own partition {partition} of '{topic}', where {grainId} lives.")
{
    /// <summary>The grain.</summary>
    public GrainId GrainId { get; } = grainId;

    /// <summary>The grain's topic.</summary>
    public string Topic { get; } = topic;

    /// <summary>The grain's partition.</summary>
    public int Partition { get; } = partition;
}
