using Microsoft.AspNetCore.Http.HttpResults;
using Orleans.Runtime;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Grains.Cluster;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Cluster;

/// <summary><c>GET /v1/cluster</c>.</summary>
public static class ClusterEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapClusterEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/cluster", Get).WithName("GetCluster").WithSummary("Silos (with Orleans membership status), their partitions, activations, lag and model version.");
        return app;
    }

    private static Ok<ClusterView> Get(ClusterReports reports, ISiloStatusOracle membership, ILocalSiloDetails self, KafkaOptions kafka) =>
        TypedResults.Ok(View(reports, membership, self, kafka));

    /// <summary>
    /// The cluster as this silo sees it (also the dashboard's): each silo's latest report with its status in
    /// Orleans' membership table; a silo that stopped reporting but is not yet declared dead stays listed.
    /// </summary>
    public static ClusterView View(ClusterReports reports, ISiloStatusOracle membership, ILocalSiloDetails self, KafkaOptions kafka)
    {
        var statuses = membership.GetApproximateSiloStatuses(onlyActive: false);
        var silos = reports.All.Select(r => new ClusterSilo(r.SiloId, r.Gateway, r.SiloAddress, StatusOf(statuses, r.SiloAddress), r.Partitions,
                r.Activations, r.Lag, r.ModelVersion, r.At))
            .OrderBy(s => s.Status == "alive" ? 0 : 1).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
        var alive = silos.Where(s => s.Status == "alive").ToList();
        var unowned = new[] { StreamTopics.Interactions, StreamTopics.ItemEvents }.ToDictionary(t => t,
            t => Enumerable.Range(0, kafka.Partitions).Where(p => !alive.Any(s => s.Partitions.TryGetValue(t, out var owned) && owned.Contains(p))).ToArray());
        return new ClusterView(self.Name, silos, unowned);
    }

    private static string StatusOf(Dictionary<SiloAddress, SiloStatus> statuses, string address)
    {
        var silo = SiloAddress.FromParsableString(address);
        return statuses.TryGetValue(silo, out var status) ? status switch
        {
            SiloStatus.Active => "alive",
            SiloStatus.Dead => "dead",
            SiloStatus.ShuttingDown or SiloStatus.Stopping => "left",
            _ => "joining",
        } : "dead";
    }
}
