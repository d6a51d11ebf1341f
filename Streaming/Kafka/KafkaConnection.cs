using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// The silo's broker: the configured cluster, or an in-process mock cluster when none is configured.
/// Creates the declared topics and builds client configurations.
/// </summary>
public sealed class KafkaConnection : IDisposable
{
    private readonly MockKafkaCluster? _mock;
    private readonly KafkaOptions _options;

    /// <summary>Connects (or starts the mock cluster) and makes sure the declared topics exist.</summary>
    public KafkaConnection(IOptions<KafkaOptions> options, IEnumerable<TopicDeclaration> topics, ILogger<KafkaConnection> logger)
    {
        _options = options.Value;
        var declared = topics.DistinctBy(t => t.Name).ToList();
        if (string.IsNullOrWhiteSpace(_options.BootstrapServers))
        {
            _mock = new MockKafkaCluster();
            BootstrapServers = _mock.BootstrapServers;
            foreach (var topic in declared) _mock.CreateTopic(topic.Name, topic.Partitions ?? _options.Partitions);
            logger.LogInformation("Started the in-process mock Kafka cluster at {Bootstrap} (data lives in memory)", BootstrapServers);
        }
        else
        {
            BootstrapServers = _options.BootstrapServers;
            EnsureTopics(declared, logger);
        }
        LogEpoch = string.IsNullOrWhiteSpace(_options.LogEpoch) ? BootstrapServers : _options.LogEpoch;
    }

    /// <summary>The bootstrap string clients use.</summary>
    public string BootstrapServers { get; }

    /// <summary>True when this process hosts the broker (the embedded default).</summary>
    public bool IsEmbedded => _mock is not null;

    /// <summary>The log incarnation applied offsets refer to.</summary>
    public string LogEpoch { get; }

    /// <summary>The options in force.</summary>
    public KafkaOptions Options => _options;

    /// <summary>A producer configuration: acknowledged by all replicas, idempotent, low linger.</summary>
    public ProducerConfig ProducerConfig() => new()
    {
        BootstrapServers = BootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = true,
        LingerMs = 1,
        MessageTimeoutMs = (int)Math.Clamp(_options.ProduceTimeout.TotalMilliseconds, 1_000, int.MaxValue),
    };

    /// <summary>A consumer configuration for <paramref name="groupId"/> with manual commits.</summary>
    public ConsumerConfig ConsumerConfig(string groupId) => new()
    {
        BootstrapServers = BootstrapServers,
        GroupId = groupId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        SessionTimeoutMs = _options.SessionTimeoutMs,
        HeartbeatIntervalMs = Math.Max(500, _options.SessionTimeoutMs / 5),
        FetchWaitMaxMs = _options.FetchWaitMaxMs,
        FetchMinBytes = 1,
        PartitionAssignmentStrategy = _options.AssignmentStrategy switch
        {
            "range" => PartitionAssignmentStrategy.Range,
            "roundrobin" => PartitionAssignmentStrategy.RoundRobin,
            "cooperative-sticky" => PartitionAssignmentStrategy.CooperativeSticky,
            var other => throw new InvalidOperationException($"Kafka:AssignmentStrategy '{other}' is not range, roundrobin or cooperative-sticky."),
        },
    };

    private void EnsureTopics(IReadOnlyList<TopicDeclaration> topics, ILogger logger)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        var existing = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => t.Error.Code == Confluent.Kafka.ErrorCode.NoError).Select(t => t.Topic).ToHashSet();
        var missing = topics.Where(t => !existing.Contains(t.Name))
            .Select(t => new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions ?? _options.Partitions, ReplicationFactor = _options.ReplicationFactor })
            .ToList();
        if (missing.Count == 0) return;
        try
        {
            admin.CreateTopicsAsync(missing).GetAwaiter().GetResult();
            logger.LogInformation("Created topics {Topics}", string.Join(", ", missing.Select(t => t.Name)));
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is Confluent.Kafka.ErrorCode.NoError or Confluent.Kafka.ErrorCode.TopicAlreadyExists))
        {
            // Another silo created them first.
        }
    }

    /// <inheritdoc />
    public void Dispose() => _mock?.Dispose();
}
