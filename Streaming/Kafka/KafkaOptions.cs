namespace Personalization.Streaming.Kafka;

/// <summary>Kafka settings, bound from the <c>Kafka</c> configuration section.</summary>
public sealed class KafkaOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Kafka";

    /// <summary>Bootstrap servers; when empty the silo starts an in-process mock cluster.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>Partitions of each grain topic (they must all agree: the partition is the unit of placement).</summary>
    public int Partitions { get; set; } = 12;

    /// <summary>Replication factor used when the silo creates topics on a real cluster.</summary>
    public short ReplicationFactor { get; set; } = 1;

    /// <summary>Consumer group shared by all silos of one cluster.</summary>
    public string GroupId { get; set; } = "personalization-silos";

    /// <summary>
    /// Names the incarnation of the log. Grain states remember the offsets they applied per epoch;
    /// a fresh log (a new mock cluster) must not be mistaken for the old one. Defaults to the bootstrap string.
    /// </summary>
    public string? LogEpoch { get; set; }

    /// <summary>Consumer session timeout; bounds how long a dead silo keeps its partitions.</summary>
    public int SessionTimeoutMs { get; set; } = 6_000;

    /// <summary>
    /// Partition assignment: <c>cooperative-sticky</c> (default: a rebalance moves only the partitions that
    /// change owner, so the others keep serving) or <c>range</c>.
    /// </summary>
    public string AssignmentStrategy { get; set; } = "cooperative-sticky";

    /// <summary>Longest time a fetch waits for data; small values favour event-to-visible latency.</summary>
    public int FetchWaitMaxMs { get; set; } = 5;

    /// <summary>
    /// How often the silo writes dirty grain state and commits offsets. Every grain that got records in an interval
    /// writes its state once, so the interval sets the write load (at most one write per active grain per interval)
    /// against how much a new owner replays after a crash (the records of about one interval, skipped by the grains
    /// that hold them). 2 s measured 35% more events/s than 1 s on three silos.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long an idle partition's receiver waits for a record before the pulling agent asks it again.</summary>
    public TimeSpan ReceiveWait { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long a stream (one user's or item's key) stays registered with its partition's pulling agent after its last
    /// record (its consumer data, cache cursor and grain reference). A key that got an event costs ~2.6 KB in all, about
    /// half of it here and the rest in its grain's stream extension, which goes when the grain deactivates; Orleans'
    /// default of 30 minutes kept this half for every key that got one event in the last half hour. The next record of
    /// the key registers it again (implicit subscriptions: no pub-sub round trip).
    /// </summary>
    public TimeSpan StreamInactivityPeriod { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Most records of one partition read but not yet committed before its reading pauses (back-pressure).</summary>
    public int MaxInFlight { get; set; } = 20_000;

    /// <summary>
    /// How long the producer tries to deliver a record before it gives up on it (librdkafka's <c>message.timeout.ms</c>).
    /// The gateway answers sooner (<c>Gateway:EventWriteTimeout</c>); this bounds how long records wait in the
    /// producer's queue while the broker is away.
    /// </summary>
    public TimeSpan ProduceTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
