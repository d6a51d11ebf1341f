using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Hosting;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Placement;

namespace Personalization.Runtime.Streams;

/// <summary>
/// The silo's consumers: one per grain topic, each in its own consumer group, so every topic's partitions
/// are balanced over the silos (cooperative-sticky by default: a rebalance moves only what changes owner).
/// </summary>
public sealed class StreamConsumerService : BackgroundService
{
    internal static readonly Meter Meter = new(GrainRuntime.TelemetryName);

    private readonly IReadOnlyList<TopicConsumer> _consumers;

    /// <summary>Creates a consumer per grain topic.</summary>
    public StreamConsumerService(KafkaConnection connection, GrainRuntime runtime, GrainTypeRegistry types,
        PartitionOwnership ownership, IEnumerable<IStreamTap> taps, ILoggerFactory loggers)
    {
        var tapList = taps.ToList();
        if (tapList.FirstOrDefault(t => types.ForTopic(t.Topic) is null) is { } orphan)
            throw new InvalidOperationException($"Stream tap {orphan.GetType().Name} observes '{orphan.Topic}', which places no grain type.");
        runtime.LogEpoch = connection.LogEpoch;
        var logger = loggers.CreateLogger<StreamConsumerService>();
        _consumers = types.StreamTopics.Select(topic => new TopicConsumer(topic, connection, runtime, types, ownership, tapList, logger)).ToList();
        Meter.CreateObservableGauge("stream.lag", () => Lag);
    }

    /// <summary>Records behind the log end, summed over owned partitions (as of the last fetch).</summary>
    public long Lag => _consumers.Sum(c => c.Lag);

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(_consumers.Select(c => c.RunAsync(stoppingToken)));
}
