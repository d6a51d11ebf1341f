using Orleans.Runtime;
using Orleans.Streams;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>
/// One Orleans queue per partition of the topic; a stream (a record key) maps to the partition Kafka's murmur2
/// partitioner gives it, the same one producers write it to.
/// </summary>
public sealed class KafkaQueueMapper : IStreamQueueMapper
{
    private readonly QueueId[] _queues;

    /// <summary>Creates the mapper of <paramref name="topic"/> with <paramref name="partitions"/> partitions.</summary>
    public KafkaQueueMapper(string topic, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        _queues = Enumerable.Range(0, partitions)
            .Select(p => QueueId.GetQueueId(topic, (uint)p, (uint)Murmur2Partitioner.Hash(System.Text.Encoding.UTF8.GetBytes($"{topic}-{p}"))))
            .ToArray();
    }

    /// <summary>The partition a queue reads.</summary>
    public static int PartitionOf(QueueId queue) => (int)queue.GetNumericId();

    /// <inheritdoc />
    public IEnumerable<QueueId> GetAllQueues() => _queues;

    /// <inheritdoc />
    public QueueId GetQueueForStream(StreamId streamId) =>
        _queues[Murmur2Partitioner.Partition(streamId.GetKeyAsString(), _queues.Length)];
}
