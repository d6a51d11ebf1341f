using Orleans.Runtime;

namespace Personalization.Streaming.Providers;

/// <summary>Settings of one Kafka stream provider (one topic).</summary>
public sealed class KafkaStreamOptions
{
    /// <summary>The topic read; also the stream namespace grains subscribe to.</summary>
    public string Topic { get; set; } = "";

    /// <summary>
    /// The Orleans grain type (e.g. <c>user</c>) that subscribes implicitly to the topic's streams and implements
    /// <see cref="IKafkaStreamConsumerGrain"/>; the receiver checkpoints it by key.
    /// </summary>
    public string ConsumerGrainType { get; set; } = "";

    /// <summary>Partitions of the topic: one Orleans queue each.</summary>
    public int Partitions { get; set; } = 12;

    /// <summary>How often delivered offsets are committed (after the taps flushed).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Records read but not yet done, per partition, before reading pauses (back-pressure).</summary>
    public int MaxInFlight { get; set; } = 4_096;

    /// <summary>
    /// How long a receiver with nothing buffered waits for a record before it returns empty-handed. A record that
    /// arrives meanwhile goes to Orleans at once; the pulling agent's own timer only runs between waits.
    /// </summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Most records of one stream a grain gets in one call (the pulling agent's <c>BatchContainerBatchSize</c>): the
    /// records of a key that wait together are applied together.
    /// </summary>
    public int DeliveryBatchSize { get; set; } = 32;

    /// <summary>
    /// How long the pulling agent keeps a stream registered (its consumers and its cache cursor) after its last record
    /// (Orleans' <c>StreamPullingAgentOptions.StreamInactivityPeriod</c>, 30 minutes by default).
    /// </summary>
    public TimeSpan StreamInactivityPeriod { get; set; } = TimeSpan.FromMinutes(2);
}

/// <summary>Fails start-up on settings a Kafka stream provider cannot run with, naming the provider.</summary>
public sealed class KafkaStreamOptionsValidator(KafkaStreamOptions options, string name) : IConfigurationValidator
{
    /// <inheritdoc />
    public void ValidateConfiguration()
    {
        if (string.IsNullOrWhiteSpace(options.Topic))
            throw new OrleansConfigurationException($"Kafka stream provider '{name}': {nameof(KafkaStreamOptions.Topic)} is required.");
        if (string.IsNullOrWhiteSpace(options.ConsumerGrainType))
            throw new OrleansConfigurationException($"Kafka stream provider '{name}': {nameof(KafkaStreamOptions.ConsumerGrainType)} is required.");
        if (options.Partitions <= 0)
            throw new OrleansConfigurationException($"Kafka stream provider '{name}': {nameof(KafkaStreamOptions.Partitions)} must be positive, not {options.Partitions}.");
        if (options.CheckpointInterval <= TimeSpan.Zero || options.ReceiveWait < TimeSpan.Zero || options.MaxInFlight <= 0 || options.DeliveryBatchSize <= 0
            || options.StreamInactivityPeriod <= TimeSpan.Zero)
            throw new OrleansConfigurationException($"Kafka stream provider '{name}': CheckpointInterval, ReceiveWait, MaxInFlight, DeliveryBatchSize and StreamInactivityPeriod must be positive.");
    }
}
