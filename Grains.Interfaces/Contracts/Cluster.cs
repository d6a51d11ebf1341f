namespace Personalization.Contracts;

/// <summary>One silo in <c>GET /v1/cluster</c>.</summary>
/// <param name="Id">Silo id.</param>
/// <param name="Endpoint">Gateway address.</param>
/// <param name="SiloEndpoint">Silo-to-silo address.</param>
/// <param name="Status">alive, dead or left.</param>
/// <param name="Partitions">Owned partitions per topic.</param>
/// <param name="Activations">Live grains.</param>
/// <param name="Lag">Records between the committed offsets and the log end (Kafka's consumer lag).</param>
/// <param name="ModelVersion">Model served.</param>
/// <param name="HeartbeatAt">Last heard of.</param>
[GenerateSerializer, Immutable]
public sealed record ClusterSilo(string Id, string Endpoint, string SiloEndpoint, string Status, IReadOnlyDictionary<string, int[]> Partitions,
    int Activations, long Lag, long ModelVersion, DateTimeOffset HeartbeatAt);

/// <summary>Answer to <c>GET /v1/cluster</c>.</summary>
/// <param name="Self">The silo that answered.</param>
/// <param name="Silos">Every silo heard of.</param>
/// <param name="UnownedPartitions">Partitions no live silo claims right now, per topic.</param>
[GenerateSerializer, Immutable]
public sealed record ClusterView(string Self, IReadOnlyList<ClusterSilo> Silos, IReadOnlyDictionary<string, int[]> UnownedPartitions);
