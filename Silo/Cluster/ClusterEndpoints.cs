using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Runtime.Membership;

namespace Personalization.Silo.Cluster;

/// <summary>One silo in <c>GET /v1/cluster</c>.</summary>
/// <param name="Id">Silo id.</param>
/// <param name="Endpoint">Gateway address.</param>
/// <param name="SiloEndpoint">Silo-to-silo address.</param>
/// <param name="Status">alive, dead or left.</param>
/// <param name="Partitions">Owned partitions per topic.</param>
/// <param name="Activations">Live grains.</param>
/// <param name="Lag">Records behind the log end.</param>
/// <param name="ModelVersion">Model served.</param>
/// <param name="HeartbeatAt">Last heard of.</param>
public sealed record ClusterSilo(string Id, string Endpoint, string SiloEndpoint, string Status, IReadOnlyDictionary<string, int[]> Partitions,
    int Activations, long Lag, long ModelVersion, DateTimeOffset HeartbeatAt);

/// <summary>Answer to <c>GET /v1/cluster</c>.</summary>
/// <param name="Self">The silo that answered.</param>
/// <param name="Silos">Every silo heard of.</param>
/// <param name="UnownedPartitions">Partitions no live silo claims right now, per topic.</param>
public sealed record ClusterView(string Self, IReadOnlyList<ClusterSilo> Silos, IReadOnlyDictionary<string, int[]> UnownedPartitions);

/// <summary><c>GET /v1/cluster</c>.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", Get).WithName("GetCluster").WithSummary("Silos, their partitions, activations, lag and model version.");
        return app;
    }

    private static Ok<ClusterView> Get(ClusterDirectory directory, SiloIdentity identity, Runtime.Kafka.KafkaOptions kafka, Runtime.Activation.GrainRuntime runtime)
    {
        var silos = directory.Silos().Select(v => new ClusterSilo(v.Record.SiloId, v.Record.GatewayEndpoint, v.Record.SiloEndpoint,
            v.Record.Status == SiloRecord.Left ? "left" : v.Alive ? "alive" : "dead", v.Record.Partitions, v.Record.Activations, v.Record.Lag,
            (long)v.Record.Properties.GetValueOrDefault("model.version"), v.Record.HeartbeatAt)).ToList();
        var unowned = runtime.StreamTopics.ToDictionary(t => t,
            t => Enumerable.Range(0, kafka.Partitions).Where(p => directory.OwnerOf(t, p) is null).ToArray());
        return TypedResults.Ok(new ClusterView(identity.SiloId, silos, unowned));
    }
}
