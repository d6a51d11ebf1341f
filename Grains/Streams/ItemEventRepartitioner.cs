using System.Text.Json;
using Personalization.Grains.Items;
using Personalization.Runtime;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Streams;

namespace Personalization.Grains.Streams;

/// <summary>
/// Re-keys each interaction by item onto <see cref="StreamTopics.ItemEvents"/>, in log order, so item
/// grains are placed by the item's partition (Kafka Streams' repartition step). The source offset is
/// committed only after the copy is acknowledged.
/// </summary>
public sealed class ItemEventRepartitioner(EventProducer producer) : IStreamTap
{
    /// <inheritdoc />
    public string Topic => StreamTopics.Interactions;

    /// <inheritdoc />
    public Task? Observe(EventEnvelope envelope)
    {
        var e = JsonSerializer.Deserialize(envelope.Payload.Span, GrainsJsonContext.Default.InteractionEvent);
        if (e is null) return null;
        var copy = new ItemEvent
        {
            ItemId = e.ItemId, UserId = e.UserId, Type = e.Type, Value = e.Value, Timestamp = e.Timestamp ?? envelope.Timestamp,
            SourcePartition = envelope.Partition, SourceOffset = envelope.Offset,
        };
        return producer.ProduceAsync(StreamTopics.ItemEvents, e.ItemId, JsonSerializer.SerializeToUtf8Bytes(copy, GrainsJsonContext.Default.ItemEvent));
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
