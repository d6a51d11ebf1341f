using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Grains.Serving;
using Personalization.Silo.Cluster;
using Personalization.Streaming.Providers;
using Personalization.Silo.Hosting;

namespace Personalization.Silo.Gateway;

/// <summary>Health of the silo as the gateway sees it.</summary>
/// <param name="Status">Start-up phase (serving once a model is loaded and the silo is active in the cluster).</param>
/// <param name="ModelVersion">Model being served (0 when none).</param>
/// <param name="OwnedPartitions">Kafka partitions this silo's stream receivers read over all grain topics.</param>
/// <param name="Activations">Live grain activations.</param>
/// <param name="Lag">Records past the committed offsets of the partitions this silo reads: not yet applied and committed.</param>
/// <param name="Error">Why start-up failed, if it did.</param>
public sealed record HealthReport(string Status, long ModelVersion, int OwnedPartitions, int Activations, long Lag, string? Error);

/// <summary><c>GET /healthz</c>: 200 once serving, 503 before.</summary>
public static class HealthEndpoints
{
    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Health).WithName("Health").WithSummary("200 once the silo serves; 503 while it starts.");
        return app;
    }

    private static Results<Ok<HealthReport>, JsonHttpResult<HealthReport>> Health(
        StartupStatus status, IServingModelProvider models, KafkaQueueOwnership ownership, LocalActivations activations, HttpContext http)
    {
        var serving = models.Current is not null && status.IsServing;
        var report = new HealthReport(serving ? "serving" : status.Phase, models.Current?.Version ?? 0, ownership.Count, activations.Count, ownership.Lag, status.Error);
        if (serving) return TypedResults.Ok(report);
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
