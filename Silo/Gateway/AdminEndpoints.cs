using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Silo.Training;
using Personalization.Storage;

namespace Personalization.Silo.Gateway;

/// <summary>Operator endpoints: start training, follow a run, list the model registry.</summary>
public static class AdminEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/admin");
        admin.MapPost("/train", StartTraining).WithName("StartTraining")
            .WithSummary("Train, evaluate and (if it passes the publish gate) publish a new model, in the background.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        admin.MapGet("/train/{runId}", GetRun).WithName("GetTrainingRun").WithSummary("A training run's status and figures.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/models", ListModelsAsync).WithName("ListModels").WithSummary("Published model versions with their data cutoff and metrics, newest first.");
        return app;
    }

    private static Results<Accepted<TrainingRun>, ProblemHttpResult> StartTraining(TrainingCoordinator coordinator)
    {
        var (run, started) = coordinator.TryStart("admin");
        if (!started)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "A training run is already in progress.",
                detail: $"Run {run.Id} ({run.Trigger}) started at {run.RequestedAt:O}; follow it at /v1/admin/train/{run.Id}.",
                extensions: new Dictionary<string, object?> { ["runId"] = run.Id });
        return TypedResults.Accepted($"/v1/admin/train/{run.Id}", run);
    }

    private static Results<Ok<TrainingRun>, ProblemHttpResult> GetRun(string runId, TrainingCoordinator coordinator) =>
        coordinator.Find(runId) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No recent training run '{runId}' on this silo.");

    private static async Task<Ok<IReadOnlyList<ModelInfo>>> ListModelsAsync(IModelStore models, CancellationToken cancellationToken) =>
        TypedResults.Ok(await models.ListAsync(cancellationToken));
}
