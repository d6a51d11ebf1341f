using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Grains.Serving;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Placement;
using Personalization.Runtime.Streams;
using Personalization.Silo.Hosting;

namespace Personalization.Silo.Gateway;

/// <summary>Health of the silo as the gateway sees it.</summary>
/// <param name="Status">Start-up phase (serving once a model is loaded and partitions are owned).</param>
/// <param name="ModelVersion">Model being served (0 when none).</param>
/// <param name="OwnedPartitions">Partitions this silo owns over all grain topics.</param>
/// <param name="Activations">Live grain activations.</param>
/// <param name="Lag">Records not yet consumed.</param>
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
        SiloStatus status, IServingModelProvider models, PartitionOwnership ownership, GrainRuntime runtime, StreamConsumerService consumer, HttpContext http)
    {
        var serving = models.Current is not null && ownership.Count > 0 && status.Phase != "failed";
        var report = new HealthReport(serving ? "serving" : status.Phase, models.Current?.Version ?? 0, ownership.Count, runtime.ActivationCount, consumer.Lag, status.Error);
        if (serving) return TypedResults.Ok(report);
        http.Response.Headers.RetryAfter = "2";
        return TypedResults.Json(report, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
