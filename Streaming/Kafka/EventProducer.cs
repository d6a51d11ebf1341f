using System.Diagnostics;
using Confluent.Kafka;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// The silo's producer. Partitions are computed with <see cref="Murmur2Partitioner"/> so every process
/// agrees where a key lives; the task completes only when the broker acknowledged the record.
/// </summary>
public sealed class EventProducer : IDisposable
{
    private readonly IProducer<string, byte[]> _producer;
    private readonly int _partitions;

    /// <summary>Creates the producer.</summary>
    public EventProducer(KafkaConnection connection)
    {
        _producer = new ProducerBuilder<string, byte[]>(connection.ProducerConfig()).Build();
        _partitions = connection.Options.Partitions;
    }

    /// <summary>The partition of <paramref name="key"/> in grain topics.</summary>
    public int PartitionOf(string key) => Murmur2Partitioner.Partition(key, _partitions);

    /// <summary>
    /// Produces a keyed record to its partition; completes with its offset once the broker acknowledged it,
    /// or fails with <see cref="EventLogUnavailableException"/>.
    /// </summary>
    public Task<long> ProduceAsync(string topic, string key, byte[] value, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, PartitionOf(key), key, value, cancellationToken);

    /// <summary>Produces to an explicit partition (e.g. a single-partition control topic).</summary>
    public Task<long> ProduceAsync(string topic, int partition, string key, byte[] value, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, partition, key, value, headers: null, cancellationToken);

    /// <summary>Produces a keyed record with headers of its own (besides the trace's) to its key's partition.</summary>
    public Task<long> ProduceAsync(string topic, string key, byte[] value, IEnumerable<KeyValuePair<string, string>> headers, CancellationToken cancellationToken = default) =>
        ProduceAsync(topic, PartitionOf(key), key, value, headers, cancellationToken);

    private async Task<long> ProduceAsync(string topic, int partition, string key, byte[] value, IEnumerable<KeyValuePair<string, string>>? headers,
        CancellationToken cancellationToken)
    {
        // A producer span only inside a trace (a request): start-up imports and heartbeats stay untraced.
        using var span = Activity.Current is null ? null : KafkaTelemetry.Activities.StartActivity("send " + topic, ActivityKind.Producer);
        span?.SetTag("messaging.system", "kafka");
        span?.SetTag("messaging.destination.name", topic);
        span?.SetTag("messaging.destination.partition.id", partition);
        // The record carries the trace so its consumer's span joins it (W3C traceparent header).
        var message = new Message<string, byte[]> { Key = key, Value = value, Headers = TraceHeaders.From(Activity.Current) };
        foreach (var (name, text) in headers ?? [])
        {
            message.Headers ??= [];
            message.Headers.Add(name, System.Text.Encoding.UTF8.GetBytes(text));
        }
        try
        {
            var result = await _producer.ProduceAsync(new TopicPartition(topic, partition), message, cancellationToken).ConfigureAwait(false);
            span?.SetTag("messaging.kafka.offset", result.Offset.Value);
            return result.Offset.Value;
        }
        catch (ProduceException<string, byte[]> ex)
        {
            span?.SetStatus(ActivityStatusCode.Error, ex.Error.Reason);
            throw new EventLogUnavailableException($"Kafka did not acknowledge the record on {topic}/{partition}: {ex.Error.Reason}", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(5));
        _producer.Dispose();
    }
}
