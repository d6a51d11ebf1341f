using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>
/// The Orleans side of one topic: creates a receiver per partition. Read-only: producers write to Kafka directly
/// (<see cref="EventProducer"/>), so that an HTTP 202 means the broker acknowledged the record.
/// </summary>
internal sealed class KafkaAdapter(
    string name,
    KafkaStreamOptions options,
    KafkaTopicReader reader,
    IReadOnlyList<IStreamTap> taps,
    KafkaQueueOwnership ownership,
    IGrainFactory grains,
    ILoggerFactory loggerFactory) : IQueueAdapter
{
    public string Name => name;

    public bool IsRewindable => false;

    public StreamProviderDirection Direction => StreamProviderDirection.ReadOnly;

    public IQueueAdapterReceiver CreateReceiver(QueueId queueId) =>
        new KafkaAdapterReceiver(options, KafkaQueueMapper.PartitionOf(queueId), reader, taps, ownership, grains,
            loggerFactory.CreateLogger($"{typeof(KafkaAdapterReceiver).FullName}.{name}"));

    public Task QueueMessageBatchAsync<T>(StreamId streamId, IEnumerable<T> events, StreamSequenceToken? token, Dictionary<string, object>? requestContext) =>
        throw new NotSupportedException($"Kafka stream provider '{name}' only reads: produce to topic '{options.Topic}' with {nameof(EventProducer)}.");
}
