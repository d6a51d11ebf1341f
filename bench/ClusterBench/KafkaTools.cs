using System.Diagnostics;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Streaming.Kafka;

namespace Personalization.ClusterBench;

/// <summary>An event as the gateway writes it: key (user id) and the JSON of <see cref="InteractionEvent"/>.</summary>
public sealed record EncodedEvent(string Key, byte[] Value);

/// <summary>Kafka clients of the benchmark, configured like the silo's (<see cref="KafkaConnection"/>).</summary>
public sealed class KafkaTools : IDisposable
{
    private readonly KafkaConnection _connection;
    private readonly IConsumer<string, byte[]> _metadata;
    private readonly EventProducer _producer;

    /// <summary>Connects to <paramref name="bootstrapServers"/> (the topics exist: the broker creates them).</summary>
    public KafkaTools(string bootstrapServers)
    {
        _connection = new KafkaConnection(Microsoft.Extensions.Options.Options.Create(new KafkaOptions { BootstrapServers = bootstrapServers }),
            [new TopicDeclaration(StreamTopics.Interactions), new TopicDeclaration(StreamTopics.ItemEvents)], NullLogger<KafkaConnection>.Instance);
        _metadata = new ConsumerBuilder<string, byte[]>(_connection.ConsumerConfig("cluster-bench-metadata")).Build();
        Partitions = _connection.Options.Partitions;
        // One producer for the whole run: its start (idempotent producer id, connections) falls in the
        // pre-produce step, not in a measured phase.
        _producer = new EventProducer(_connection);
    }

    /// <summary>Partitions of the grain topics.</summary>
    public int Partitions { get; }

    /// <summary>
    /// The events of a run: plays of random users u1..u<paramref name="users"/> on random items
    /// i1..i<paramref name="items"/>, serialized exactly as the gateway does (with the timestamp it fills in).
    /// </summary>
    public static EncodedEvent[] Generate(int count, int users, int items, int seed)
    {
        var random = new Random(seed);
        var now = DateTimeOffset.UtcNow;
        var events = new EncodedEvent[count];
        for (var i = 0; i < count; i++)
        {
            var e = new InteractionEvent
            {
                UserId = $"u{1 + random.Next(users)}", ItemId = $"i{1 + random.Next(items)}", Type = InteractionType.Play, Timestamp = now,
            };
            events[i] = new EncodedEvent(e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, GrainsJsonContext.Default.InteractionEvent));
        }
        return events;
    }

    /// <summary>
    /// Produces every event to <c>interactions</c> with the gateway's producer (murmur2 partition of the
    /// user id, acks=all, idempotent, linger 1 ms), at most 10,000 unacknowledged at a time.
    /// Returns the seconds until the last acknowledgement.
    /// </summary>
    public async Task<double> ProduceAsync(IReadOnlyList<EncodedEvent> events, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var chunk in events.Chunk(10_000))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.WhenAll(chunk.Select(e => _producer.ProduceAsync(StreamTopics.Interactions, e.Key, e.Value, cancellationToken)));
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>The partitions of a grain topic.</summary>
    public List<TopicPartition> PartitionsOf(string topic) => Enumerable.Range(0, Partitions).Select(p => new TopicPartition(topic, p)).ToList();

    /// <summary>Log-end offsets (high watermarks) of every partition of <paramref name="topic"/>.</summary>
    public long[] EndOffsets(string topic) =>
        PartitionsOf(topic).Select(tp => _metadata.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value).ToArray();

    /// <summary>A client of consumer group <paramref name="groupId"/>'s committed offsets (it never joins the group).</summary>
    public GroupOffsets Group(string groupId) => new(new ConsumerBuilder<string, byte[]>(_connection.ConsumerConfig(groupId)).Build());

    /// <summary>
    /// The raw-consumer baseline: a plain consumer in a new group (auto.offset.reset=earliest, the silo's
    /// client settings) reads <paramref name="count"/> records of <c>interactions</c> and deserializes each payload.
    /// </summary>
    /// <param name="count">Records to read.</param>
    /// <param name="timeout">Longest wait.</param>
    /// <param name="cpu">Takes a CPU reading (at the first record and after the last).</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public RawConsumerResult ConsumeRaw(int count, TimeSpan timeout, Func<CpuMeter.Sample> cpu, CancellationToken cancellationToken)
    {
        var config = _connection.ConsumerConfig($"bench-raw-{Guid.NewGuid():N}");
        long assignedAt = 0;
        using var consumer = new ConsumerBuilder<string, byte[]>(config)
            .SetPartitionsAssignedHandler((_, _) => { if (assignedAt == 0) assignedAt = Stopwatch.GetTimestamp(); })
            .Build();
        var subscribedAt = Stopwatch.GetTimestamp();
        consumer.Subscribe(StreamTopics.Interactions);
        long firstAt = 0, lastAt = 0, checksum = 0;
        CpuMeter.Sample? cpuStart = null;
        var read = 0;
        while (read < count)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Stopwatch.GetElapsedTime(subscribedAt) > timeout) throw new TimeoutException($"The raw consumer read {read} of {count} records in {timeout.TotalSeconds:F0} s.");
            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result?.Message?.Value is not { } value) continue;
            if (firstAt == 0)
            {
                cpuStart = cpu();
                firstAt = Stopwatch.GetTimestamp();
            }
            var e = JsonSerializer.Deserialize(value, GrainsJsonContext.Default.InteractionEvent)
                ?? throw new InvalidDataException($"Record {result.TopicPartitionOffset} is not an interaction event.");
            checksum += e.UserId.Length + e.ItemId.Length + (int)e.Type;
            read++;
        }
        lastAt = Stopwatch.GetTimestamp();
        var usage = CpuMeter.Between(cpuStart!, cpu());
        consumer.Close();
        double Seconds(long from) => Stopwatch.GetElapsedTime(from, lastAt).TotalSeconds;
        return new RawConsumerResult(count, Seconds(firstAt), Seconds(assignedAt == 0 ? subscribedAt : assignedAt), Seconds(subscribedAt),
            Math.Round((count - 1) / Seconds(firstAt), 1), checksum, usage);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _producer.Dispose();
        _metadata.Close();
        _metadata.Dispose();
        _connection.Dispose();
    }
}

/// <summary>Reads and sets one consumer group's committed offsets without joining the group.</summary>
public sealed class GroupOffsets(IConsumer<string, byte[]> consumer) : IDisposable
{
    /// <summary>
    /// Committed offsets (the next record to read) of <paramref name="partitions"/>, in order; 0 where
    /// the group committed nothing.
    /// </summary>
    public long[] Committed(IReadOnlyList<TopicPartition> partitions) =>
        consumer.Committed(partitions, TimeSpan.FromSeconds(10)).OrderBy(o => o.Partition.Value).Select(o => Math.Max(0, o.Offset.Value)).ToArray();

    /// <summary>Commits <paramref name="offsets"/> for the group (used before any member joined: the group starts there).</summary>
    public void Commit(IReadOnlyList<TopicPartition> partitions, long[] offsets) =>
        consumer.Commit(partitions.Select((tp, i) => new TopicPartitionOffset(tp, offsets[i])));

    /// <inheritdoc />
    public void Dispose()
    {
        consumer.Dispose();
    }
}

/// <summary>The raw consumer's figures.</summary>
/// <param name="Events">Records read and deserialized.</param>
/// <param name="Seconds">First record received to last record deserialized.</param>
/// <param name="SecondsFromAssignment">Partition assignment to last record.</param>
/// <param name="SecondsFromSubscribe">Subscribe (group join included) to last record.</param>
/// <param name="EventsPerSecond">Records per second, first to last record.</param>
/// <param name="Checksum">Sum over the payloads (keeps the deserialization honest).</param>
/// <param name="Cpu">CPU use from the first record to the last.</param>
public sealed record RawConsumerResult(int Events, double Seconds, double SecondsFromAssignment, double SecondsFromSubscribe, double EventsPerSecond, long Checksum,
    CpuUsage Cpu);
