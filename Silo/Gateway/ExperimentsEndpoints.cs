using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Grains.Experiments;
using Personalization.Streaming.Kafka;
using Personalization.Silo.Experiments;
using Personalization.Storage;

namespace Personalization.Silo.Gateway;

/// <summary>A/B experiments: define, change, list, and the analysis of each.</summary>
public static class ExperimentsEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapExperimentsEndpoints(this IEndpointRouteBuilder app)
    {
        var experiments = app.MapGroup("/v1/experiments").ProducesValidationProblem();
        experiments.MapPost("/", CreateAsync).WithName("CreateExperiment")
            .WithSummary("Define an experiment: variants with traffic shares and ranking settings. Users are assigned by a hash of user id and experiment.")
            .ProducesProblem(StatusCodes.Status409Conflict);
        experiments.MapPut("/{experimentId}", ChangeAsync).WithName("ChangeExperiment")
            .WithSummary("Change an experiment. Users keep their variants unless reassign=true, which starts a new epoch.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        experiments.MapGet("/", List).WithName("ListExperiments").WithSummary("The running experiments.");
        experiments.MapGet("/{experimentId}", ReportAsync).WithName("GetExperimentReport")
            .WithSummary("Per variant: users, impressions, clicks, CTR, plays per impression and watch time with confidence intervals, tests against the control, and a sample-ratio-mismatch check.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<Results<Created<ExperimentView>, ValidationProblem, ProblemHttpResult>> CreateAsync(
        ExperimentDefinition body, IExperimentStore store, ExperimentRegistry registry, EventProducer producer, CancellationToken cancellationToken)
    {
        var errors = ExperimentValidator.Validate(body.Id, body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (await store.FindAsync(body.Id!, cancellationToken) is not null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Experiment '{body.Id}' exists.",
                detail: $"Change it with PUT /v1/experiments/{body.Id}.");
        var running = await SaveAsync(body.Id!, body, reassign: false, store, registry, producer, cancellationToken);
        return TypedResults.Created($"/v1/experiments/{Uri.EscapeDataString(running.Id)}", running.ToView());
    }

    private static async Task<Results<Ok<ExperimentView>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        string experimentId, ExperimentDefinition body, IExperimentStore store, ExperimentRegistry registry, EventProducer producer,
        CancellationToken cancellationToken, bool reassign = false)
    {
        var errors = ExperimentValidator.Validate(experimentId, body);
        if (body.Id is not null && body.Id != experimentId) errors["id"] = [$"Must match the path ('{experimentId}') or be omitted."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (await store.FindAsync(experimentId, cancellationToken) is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No experiment '{experimentId}'.");
        var running = await SaveAsync(experimentId, body, reassign, store, registry, producer, cancellationToken);
        return TypedResults.Ok(running.ToView());
    }

    private static async Task<RunningExperiment> SaveAsync(string id, ExperimentDefinition body, bool reassign,
        IExperimentStore store, ExperimentRegistry registry, EventProducer producer, CancellationToken cancellationToken)
    {
        var definition = JsonSerializer.Serialize(body with { Id = id }, GrainsJsonContext.Default.ExperimentDefinition);
        var record = await store.UpsertAsync(id, definition, reassign, cancellationToken);
        var running = registry.Set(record);
        await ExperimentAnnouncement.AnnounceAsync(producer, record, cancellationToken); // the other silos
        return running;
    }

    private static Ok<IReadOnlyList<ExperimentView>> List(ExperimentRegistry registry) =>
        TypedResults.Ok<IReadOnlyList<ExperimentView>>(registry.All.Select(e => e.ToView()).ToList());

    private static async Task<Results<Ok<ExperimentReport>, ValidationProblem, ProblemHttpResult>> ReportAsync(
        string experimentId, ExperimentRegistry registry, ExperimentReporter reporter, CancellationToken cancellationToken)
    {
        if (EventValidator.IdProblem(experimentId) is { } problem)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["experimentId"] = [problem] });
        if (registry.Find(experimentId) is not { } experiment)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No experiment '{experimentId}'.");
        return TypedResults.Ok(await reporter.ReportAsync(experiment, cancellationToken));
    }
}
