using Personalization.Contracts;
using Personalization.Runtime.Kafka;

namespace Personalization.Client.Routing;

/// <summary>
/// Which gateway owns which partition, from a <see cref="ClusterView"/>: the client computes a key's partition the way
/// the silos do (Kafka's murmur2) and sends the request to its owner, saving the hop a non-owner would forward.
/// </summary>
public sealed class PartitionMap
{
    private readonly Dictionary<string, Uri?[]> _owners;

    private PartitionMap(Dictionary<string, Uri?[]> owners, IReadOnlyList<Uri> gateways, DateTimeOffset learnedAt)
    {
        _owners = owners;
        Gateways = gateways;
        LearnedAt = learnedAt;
    }

    /// <summary>The live silos' gateways.</summary>
    public IReadOnlyList<Uri> Gateways { get; }

    /// <summary>When the map was learned.</summary>
    public DateTimeOffset LearnedAt { get; }

    /// <summary>Builds the map of the live silos in <paramref name="view"/>.</summary>
    public static PartitionMap From(ClusterView view, DateTimeOffset now)
    {
        var owners = new Dictionary<string, Uri?[]>(StringComparer.Ordinal);
        var live = view.Silos.Where(s => s.Status == "alive" && Uri.TryCreate(s.Endpoint, UriKind.Absolute, out _)).ToList();
        foreach (var topic in live.SelectMany(s => s.Partitions.Keys).Concat(view.UnownedPartitions.Keys).Distinct(StringComparer.Ordinal))
        {
            var count = live.SelectMany(s => s.Partitions.GetValueOrDefault(topic) ?? []).Concat(view.UnownedPartitions.GetValueOrDefault(topic) ?? [])
                .DefaultIfEmpty(-1).Max() + 1;
            if (count <= 0) continue;
            var table = new Uri?[count];
            foreach (var silo in live)
                foreach (var p in silo.Partitions.GetValueOrDefault(topic) ?? [])
                    if (p >= 0 && p < count) table[p] = Normalize(silo.Endpoint);
            owners[topic] = table;
        }
        return new PartitionMap(owners, live.Select(s => Normalize(s.Endpoint)).ToList(), now);
    }

    /// <summary>The gateway owning <paramref name="key"/> on <paramref name="topic"/>, or null when unknown or unowned.</summary>
    public Uri? OwnerOf(string topic, string key) =>
        _owners.TryGetValue(topic, out var table) ? table[Murmur2Partitioner.Partition(key, table.Length)] : null;

    /// <summary>A gateway address as a base URI (with the trailing slash relative paths resolve under).</summary>
    internal static Uri Normalize(string endpoint) => new(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
}
