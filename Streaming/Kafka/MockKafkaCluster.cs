using System.Runtime.InteropServices;
using System.Text;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// librdkafka's in-process mock cluster: real Kafka protocol on loopback TCP, data kept in memory.
/// The embedded default and the tests use it as their broker; any process can connect to
/// <see cref="BootstrapServers"/>.
/// </summary>
public sealed partial class MockKafkaCluster : IDisposable
{
    private IntPtr _handle;
    private IntPtr _cluster;

    /// <summary>The "host:port,..." bootstrap string of the mock brokers.</summary>
    public string BootstrapServers { get; }

    /// <summary>The number of brokers (their ids are 1 to this).</summary>
    public int Brokers { get; }

    /// <summary>
    /// Fault injection: every broker closes its connections and refuses new ones (<paramref name="down"/>), or serves
    /// again. Clients see a broker that is unreachable, as after a crash or a network partition.
    /// </summary>
    public void SetReachable(bool down)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        for (var id = 1; id <= Brokers; id++)
        {
            var err = down ? rd_kafka_mock_broker_set_down(_cluster, id) : rd_kafka_mock_broker_set_up(_cluster, id);
            if (err != 0) throw new InvalidOperationException($"Setting mock broker {id} {(down ? "down" : "up")} failed with librdkafka error {err}.");
        }
    }

    /// <summary>
    /// Fault injection: every broker delays each response by <paramref name="rttMs"/> (0 for none). A long delay looks
    /// like a frozen broker: connections stay open and nothing answers.
    /// </summary>
    public void SetRoundTrip(int rttMs)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        for (var id = 1; id <= Brokers; id++)
        {
            var err = rd_kafka_mock_broker_set_rtt(_cluster, id, rttMs);
            if (err != 0) throw new InvalidOperationException($"Setting mock broker {id}'s round trip failed with librdkafka error {err}.");
        }
    }

    /// <summary>Starts a mock cluster with the given number of brokers.</summary>
    public MockKafkaCluster(int brokers = 1)
    {
        Brokers = brokers;
        BundledLibrdkafka.EnsureResolver();
        var errors = new byte[512];
        // A producer handle with no brokers only hosts the mock cluster's threads; quiet its
        // "no bootstrap.servers" notice.
        var conf = rd_kafka_conf_new();
        rd_kafka_conf_set(conf, "log_level", "4", errors, (UIntPtr)errors.Length);
        _handle = rd_kafka_new(0, conf, errors, (UIntPtr)errors.Length);
        if (_handle == IntPtr.Zero)
            throw new InvalidOperationException("rd_kafka_new failed: " + Encoding.UTF8.GetString(errors).TrimEnd('\0'));
        _cluster = rd_kafka_mock_cluster_new(_handle, brokers);
        if (_cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(_handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed.");
        }
        BootstrapServers = Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(_cluster))
            ?? throw new InvalidOperationException("The mock cluster reported no bootstrap servers.");
    }

    /// <summary>Creates a topic; the AdminClient's CreateTopics does not work against the mock.</summary>
    public void CreateTopic(string topic, int partitions, int replicationFactor = 1)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        var err = rd_kafka_mock_topic_create(_cluster, topic, partitions, replicationFactor);
        if (err != 0)
            throw new InvalidOperationException($"Creating mock topic '{topic}' failed with librdkafka error {err}.");
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_cluster != IntPtr.Zero) { rd_kafka_mock_cluster_destroy(_cluster); _cluster = IntPtr.Zero; }
        if (_handle != IntPtr.Zero) { rd_kafka_destroy(_handle); _handle = IntPtr.Zero; }
    }

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial IntPtr rd_kafka_conf_new();

    [LibraryImport(BundledLibrdkafka.Name, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_conf_set(IntPtr conf, string name, string value, [Out] byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial IntPtr rd_kafka_new(int type, IntPtr conf, [Out] byte[] errstr, UIntPtr errstrSize);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial void rd_kafka_destroy(IntPtr rk);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokers);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);

    [LibraryImport(BundledLibrdkafka.Name)]
    private static partial int rd_kafka_mock_broker_set_rtt(IntPtr cluster, int brokerId, int rttMs);

    [LibraryImport(BundledLibrdkafka.Name, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int rd_kafka_mock_topic_create(IntPtr cluster, string topic, int partitions, int replicationFactor);
}
