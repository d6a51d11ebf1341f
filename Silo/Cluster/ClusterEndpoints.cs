using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Contracts;
using Personalization.Runtime.Membership;

namespace Personalization.Silo.Cluster;

/// <summary><c>GET /v1/cluster</c>.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", Get).WithName("GetCluster").WithSummary("Silos, their partitions, activations, lag and model version.");
        return app;
    }

    private static Ok<ClusterView> Get(ClusterDirectory directory, SiloIdentity identity, Runtime.Kafka.KafkaOptions kafka, Runtime.Activation.GrainRuntime runtime) =>
        TypedResults.Ok(View(directory, identity, kafka, runtime));

    /// <summary>The cluster as this silo sees it (also the dashboard's).</summary>
    public static ClusterView View(ClusterDirectory directory, SiloIdentity identity, Runtime.Kafka.KafkaOptions kafka, Runtime.Activation.GrainRuntime runtime)
    {
        var silos = directory.Silos().Select(v => new ClusterSilo(v.Record.SiloId, v.Record.GatewayEndpoint, v.Record.SiloEndpoint,
            v.Record.Status == SiloRecord.Left ? "left" : v.Alive ? "alive" : "dead", v.Record.Partitions, v.Record.Activations, v.Record.Lag,
            (long)v.Record.Properties.GetValueOrDefault("model.version"), v.Record.HeartbeatAt)).ToList();
        var unowned = runtime.StreamTopics.ToDictionary(t => t,
            t => Enumerable.Range(0, kafka.Partitions).Where(p => directory.OwnerOf(t, p) is null).ToArray());
        return new ClusterView(identity.SiloId, silos, unowned);
    }
}
