using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Contracts;
using Personalization.Grains.Experiments;
using Personalization.Grains.Serving;
using Orleans.Runtime;
using Personalization.Grains.Cluster;
using Personalization.Silo.Cluster;
using Personalization.Silo.Hosting;
using Personalization.Storage;

namespace Personalization.Silo.Dashboard;

/// <summary>What the dashboard shows, in one JSON document (<c>GET /v1/dashboard</c>).</summary>
/// <param name="Silo">The silo that answered.</param>
/// <param name="Phase">Its start-up phase (serving once ready).</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="UptimeSeconds">Seconds since.</param>
/// <param name="ModelVersion">The model it serves (0 before the first).</param>
/// <param name="Activations">Live grains across the cluster.</param>
/// <param name="Lag">Records behind the log end across the cluster.</param>
/// <param name="Traffic">This silo's requests, errors, latency and events.</param>
/// <param name="Cluster">Silos and their partitions.</param>
/// <param name="Models">The newest published models with their metrics.</param>
/// <param name="Experiments">Running experiments.</param>
public sealed record DashboardSnapshot(string Silo, string Phase, DateTimeOffset StartedAt, double UptimeSeconds, long ModelVersion,
    long Activations, long Lag, DashboardTraffic Traffic, ClusterView Cluster, IReadOnlyList<ModelInfo> Models, IReadOnlyList<ExperimentView> Experiments);

/// <summary><c>GET /dashboard</c> (the page) and <c>GET /v1/dashboard</c> (its data).</summary>
public static class DashboardEndpoints
{

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/dashboard", () => TypedResults.Content(DashboardPage.Html, "text/html; charset=utf-8"))
            .WithName("Dashboard").WithSummary("The cluster dashboard (HTML; polls /v1/dashboard every second).").ExcludeFromDescription();
        app.MapGet("/v1/dashboard", GetAsync).WithName("GetDashboard").WithSummary("The dashboard's figures: silos, partitions, traffic, lag, models, experiments.");
        return app;
    }

    private static async Task<Ok<DashboardSnapshot>> GetAsync(DashboardMetrics metrics, ClusterReports reports, ISiloStatusOracle membership,
        ILocalSiloDetails identity, Streaming.Kafka.KafkaOptions kafka, LocalActivations activations, Streaming.Providers.KafkaQueueOwnership ownership,
        IServingModelProvider models, RecentModels recentModels,
        ExperimentRegistry experiments, StartupStatus status, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cluster = ClusterEndpoints.View(reports, membership, identity, kafka);
        var published = await recentModels.GetAsync(cancellationToken);
        // This silo's own row is live; the others are as of their last report.
        cluster = cluster with
        {
            Silos = cluster.Silos.Select(s => s.SiloEndpoint == reports.Self
                ? s with { Activations = activations.Count, Lag = ownership.Lag, Partitions = ownership.Partitions() } : s).ToList(),
        };
        var alive = cluster.Silos.Where(s => s.Status == "alive").ToList();
        return TypedResults.Ok(new DashboardSnapshot(identity.Name, status.Phase, metrics.StartedAt, (now - metrics.StartedAt).TotalSeconds,
            models.Current?.Version ?? 0, alive.Sum(s => (long)s.Activations), alive.Sum(s => s.Lag), metrics.Snapshot(), cluster, published,
            experiments.All.Select(e => e.ToView()).ToList()));
    }
}
