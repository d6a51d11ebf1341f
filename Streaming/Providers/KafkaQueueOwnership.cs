using System.Collections.Concurrent;

namespace Personalization.Streaming.Providers;

/// <summary>The partitions this silo's receivers read right now, with their lag: what the cluster view reports.</summary>
public sealed class KafkaQueueOwnership
{
    private readonly ConcurrentDictionary<(string Topic, int Partition), long> _lag = new();

    /// <summary>Owned partitions per topic, sorted.</summary>
    public IReadOnlyDictionary<string, int[]> Partitions() =>
        _lag.Keys.GroupBy(k => k.Topic).ToDictionary(g => g.Key, g => g.Select(k => k.Partition).Order().ToArray());

    /// <summary>Partitions read here over every topic.</summary>
    public int Count => _lag.Count;

    /// <summary>True when this silo reads <paramref name="partition"/> of <paramref name="topic"/>.</summary>
    public bool Owns(string topic, int partition) => _lag.ContainsKey((topic, partition));

    /// <summary>Records behind the log end over every owned partition.</summary>
    public long Lag => _lag.Values.Sum();

    internal void Report(string topic, int partition, long lag) => _lag[(topic, partition)] = Math.Max(0, lag);

    internal void Release(string topic, int partition) => _lag.TryRemove((topic, partition), out _);
}
