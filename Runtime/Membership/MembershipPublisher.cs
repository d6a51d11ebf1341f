using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Placement;
using Personalization.Runtime.Streams;

namespace Personalization.Runtime.Membership;

/// <summary>
/// Publishes this silo's record (endpoints, owned partitions, figures) on the membership topic at every
/// heartbeat and at once when its partitions change; publishes <c>left</c> on a graceful stop.
/// Kafka's consumer group decides who owns what; this only tells gateways and clients where it is.
/// </summary>
public sealed class MembershipPublisher(
    SiloIdentity identity,
    PartitionOwnership ownership,
    GrainRuntime runtime,
    StreamConsumerService consumer,
    EventProducer producer,
    ClusterDirectory directory,
    IEnumerable<ISiloPropertiesSource> sources,
    IOptions<ClusterOptions> options,
    ILogger<MembershipPublisher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _changed = new(0);
    private DateTimeOffset _ownershipChangedAt = DateTimeOffset.UtcNow;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ownership.Changed += OnOwnershipChanged;
        try
        {
            await identity.Bound.WaitAsync(stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                await PublishAsync(SiloRecord.Active, stoppingToken);
                await _changed.WaitAsync(options.Value.HeartbeatInterval, stoppingToken);
                while (_changed.CurrentCount > 0) await _changed.WaitAsync(stoppingToken); // coalesce bursts of changes
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            ownership.Changed -= OnOwnershipChanged;
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (identity.GatewayEndpoint is null) return;
        try
        {
            await PublishAsync(SiloRecord.Left, cancellationToken);
        }
        catch (Exception ex)
        {
            logger.LogWarning("Could not announce leaving: {Reason}", ex.Message);
        }
    }

    private void OnOwnershipChanged()
    {
        _ownershipChangedAt = DateTimeOffset.UtcNow;
        _changed.Release();
    }

    private async Task PublishAsync(string status, CancellationToken cancellationToken)
    {
        var properties = new Dictionary<string, double>();
        foreach (var source in sources) source.Contribute(properties);
        var partitions = status == SiloRecord.Left ? new Dictionary<string, int[]>()
            : runtime.StreamTopics.ToDictionary(t => t, ownership.OwnedPartitions);
        var record = new SiloRecord(identity.SiloId, identity.GatewayEndpoint!, identity.SiloEndpoint!, status, identity.StartedAt,
            DateTimeOffset.UtcNow, _ownershipChangedAt, partitions, runtime.ActivationCount, consumer.Lag, properties);
        directory.Apply(record);
        try
        {
            await producer.ProduceAsync(ClusterOptions.MembershipTopic, 0, identity.SiloId, JsonSerializer.SerializeToUtf8Bytes(record), cancellationToken);
        }
        catch (EventLogUnavailableException ex)
        {
            logger.LogWarning("Membership heartbeat not acknowledged: {Reason}", ex.Message);
        }
    }
}
