using System.Collections.Concurrent;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Runtime.Kafka;

namespace Personalization.Runtime.Membership;

/// <summary>
/// Every silo's view of the cluster: the latest record of each silo, read from the membership topic
/// from its beginning. Answers "who owns partition p of topic t" for request routing. A silo not heard
/// from within <see cref="ClusterOptions.DeadAfter"/> is ignored; when two live silos claim a partition
/// (mid-rebalance), the newer claim wins.
/// </summary>
public sealed class ClusterDirectory(KafkaConnection connection, IOptions<ClusterOptions> options, ILogger<ClusterDirectory> logger) : BackgroundService
{
    private readonly ConcurrentDictionary<string, SiloRecord> _silos = new(StringComparer.Ordinal);
    private readonly TimeSpan _deadAfter = options.Value.DeadAfter;

    /// <summary>A silo as the directory sees it.</summary>
    /// <param name="Record">Its latest record.</param>
    /// <param name="Alive">Heard from recently and not left.</param>
    public sealed record SiloView(SiloRecord Record, bool Alive);

    /// <summary>All silos ever heard of (latest record each), alive ones first.</summary>
    public IReadOnlyList<SiloView> Silos()
    {
        var now = DateTimeOffset.UtcNow;
        return _silos.Values.Select(r => new SiloView(r, IsAlive(r, now)))
            .OrderByDescending(v => v.Alive).ThenBy(v => v.Record.SiloId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The live silo that owns a partition, or null when none does right now.</summary>
    public SiloRecord? OwnerOf(string topic, int partition)
    {
        var now = DateTimeOffset.UtcNow;
        SiloRecord? owner = null;
        foreach (var record in _silos.Values)
        {
            if (!IsAlive(record, now) || !record.Partitions.TryGetValue(topic, out var owned) || Array.IndexOf(owned, partition) < 0) continue;
            if (owner is null || record.OwnershipChangedAt > owner.OwnershipChangedAt) owner = record;
        }
        return owner;
    }

    /// <summary>Applies a record (from the topic, or this silo's own just published).</summary>
    public void Apply(SiloRecord record) =>
        _silos.AddOrUpdate(record.SiloId, record, (_, existing) => record.HeartbeatAt >= existing.HeartbeatAt ? record : existing);

    private bool IsAlive(SiloRecord record, DateTimeOffset now) =>
        record.Status == SiloRecord.Active && now - record.HeartbeatAt < _deadAfter;

    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(() =>
    {
        var config = connection.ConsumerConfig($"directory-{Guid.NewGuid():N}");
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        consumer.Assign(new TopicPartitionOffset(ClusterOptions.MembershipTopic, 0, Offset.Beginning));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message?.Value is not { } value) continue;
                if (JsonSerializer.Deserialize<SiloRecord>(value) is { } record) Apply(record);
            }
            catch (Exception ex) when (ex is ConsumeException or JsonException)
            {
                logger.LogWarning("Ignoring a membership record: {Reason}", ex.Message);
            }
        }
        consumer.Close();
    }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
