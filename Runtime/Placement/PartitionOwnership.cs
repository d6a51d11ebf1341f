using System.Collections.Concurrent;

namespace Personalization.Runtime.Placement;

/// <summary>
/// Which partitions this silo owns, as assigned by the Kafka consumer group. A grain bound to a stream
/// may only activate here while its partition is owned.
/// </summary>
public sealed class PartitionOwnership
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), DateTimeOffset> _owned = new();

    /// <summary>Raised after the owned set changed.</summary>
    public event Action? Changed;

    /// <summary>True when this silo owns the partition.</summary>
    public bool Owns(string topic, int partition) => _owned.ContainsKey((topic, partition));

    /// <summary>The owned partitions of a topic, sorted.</summary>
    public int[] OwnedPartitions(string topic) =>
        _owned.Keys.Where(k => k.Topic == topic).Select(k => k.Partition).Order().ToArray();

    /// <summary>Number of owned partitions over all topics.</summary>
    public int Count => _owned.Count;

    internal void Add(string topic, int partition)
    {
        _owned[(topic, partition)] = DateTimeOffset.UtcNow;
        Changed?.Invoke();
    }

    internal void Remove(string topic, int partition)
    {
        _owned.TryRemove((topic, partition), out _);
        Changed?.Invoke();
    }
}
