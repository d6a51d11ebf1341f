using System.Globalization;
using Microsoft.Extensions.Logging;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>
/// Writes a record its grain could not apply to the dead-letter topic, with where it came from and why, so that its
/// partition moves on instead of redelivering it forever. The record keeps its key and bytes; the headers say the rest
/// (<c>dlq.source.topic</c>, <c>dlq.source.partition</c>, <c>dlq.source.offset</c>, <c>dlq.consumer</c>,
/// <c>dlq.error</c>, <c>dlq.reason</c>). A replay after a failover may write a record twice: the source position
/// identifies it.
/// </summary>
public sealed partial class DeadLetterWriter(EventProducer producer, ILogger<DeadLetterWriter> logger) : IDeadLetterSink
{
    /// <summary>The dead-letter topic.</summary>
    public const string Topic = "dead-letters";

    /// <summary>Attempts to write a dead letter before the delivery fails (and Orleans redelivers it later).</summary>
    public const int MaxAttempts = 5;

    /// <summary>Longest reason kept in the header.</summary>
    private const int MaxReasonLength = 1_000;

    /// <inheritdoc />
    /// <remarks>Retries Kafka a bounded number of times; throws <see cref="EventLogUnavailableException"/> when it never acknowledged.</remarks>
    public async Task WriteAsync(KafkaRecord record, string consumer, Exception error)
    {
        var reason = error.Message.Length > MaxReasonLength ? error.Message[..MaxReasonLength] : error.Message;
        KeyValuePair<string, string>[] headers =
        [
            new("dlq.source.topic", record.Topic),
            new("dlq.source.partition", record.Partition.ToString(CultureInfo.InvariantCulture)),
            new("dlq.source.offset", record.Offset.ToString(CultureInfo.InvariantCulture)),
            new("dlq.source.epoch", record.Epoch),
            new("dlq.consumer", consumer),
            new("dlq.error", error.GetType().FullName ?? error.GetType().Name),
            new("dlq.reason", reason),
        ];
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await producer.ProduceAsync(Topic, record.Key, record.Payload, headers).ConfigureAwait(false);
                break;
            }
            catch (EventLogUnavailableException ex) when (attempt < MaxAttempts)
            {
                LogRetry(ex, record.Topic, record.Partition, record.Offset, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 << attempt)).ConfigureAwait(false);
            }
        }
        KafkaTelemetry.DeadLetters.Add(1, new KeyValuePair<string, object?>("topic", record.Topic), new KeyValuePair<string, object?>("consumer", consumer));
        LogDeadLettered(error, record.Topic, record.Partition, record.Offset, record.Key, consumer);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error,
        Message = "Record {Topic}/{Partition}@{Offset} (key {Key}) could not be applied by {Consumer}; it went to the dead-letter topic and its partition moves on")]
    private partial void LogDeadLettered(Exception exception, string topic, int partition, long offset, string key, string consumer);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Writing the dead letter of {Topic}/{Partition}@{Offset} failed (attempt {Attempt}); retrying")]
    private partial void LogRetry(Exception exception, string topic, int partition, long offset, int attempt);
}
