using System.Diagnostics;

namespace Personalization.Streaming.Providers;

/// <summary>
/// One Kafka record as a grain receives it from a Kafka stream: where it sits in the log, and its bytes. A grain
/// remembers (epoch, partition, offset) of what its durable state holds and skips a replayed record it already applied.
/// </summary>
/// <param name="Epoch">The incarnation of the log (a fresh mock cluster restarts offsets at 0).</param>
/// <param name="Topic">The topic (also the stream namespace).</param>
/// <param name="Partition">The partition (the Orleans queue).</param>
/// <param name="Offset">The record's offset.</param>
/// <param name="Key">The record key (the stream key, which is the grain key).</param>
/// <param name="Payload">The record value.</param>
/// <param name="Timestamp">The record timestamp.</param>
/// <param name="TraceParent">The producer's W3C traceparent, when it wrote one.</param>
/// <param name="TraceState">The producer's W3C tracestate, when it wrote one.</param>
/// <param name="PreviousOffset">
/// The offset of the previous record with the same key that this partition's receiver handed to Orleans since its last
/// commit, or -1. A grain applies a record only when its state holds that one, so a record its state lost (its silo
/// died before the checkpoint wrote it) is never overtaken; the receiver replays the partition from its commit.
/// </param>
[GenerateSerializer, Immutable]
public sealed record KafkaRecord(
    [property: Id(0)] string Epoch,
    [property: Id(1)] string Topic,
    [property: Id(2)] int Partition,
    [property: Id(3)] long Offset,
    [property: Id(4)] string Key,
    [property: Id(5)] byte[] Payload,
    [property: Id(6)] DateTimeOffset Timestamp,
    [property: Id(7)] string? TraceParent = null,
    [property: Id(8)] string? TraceState = null,
    [property: Id(9)] long PreviousOffset = -1)
{
    /// <summary>
    /// A consumer span continuing the producer's trace (<c>process TOPIC</c>), or null for a record produced outside
    /// any trace (bulk imports and replays would otherwise each start a root trace).
    /// </summary>
    public Activity? StartProcessActivity()
    {
        if (TraceParent is null || !KafkaTelemetry.Activities.HasListeners()
            || !ActivityContext.TryParse(TraceParent, TraceState, isRemote: true, out var parent)) return null;
        var span = KafkaTelemetry.Activities.StartActivity("process " + Topic, ActivityKind.Consumer, parent);
        span?.SetTag("messaging.system", "kafka");
        span?.SetTag("messaging.destination.name", Topic);
        span?.SetTag("messaging.destination.partition.id", Partition);
        span?.SetTag("messaging.kafka.offset", Offset);
        return span;
    }
}
