using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Personalization.Grains.Models;
using Personalization.Streaming.Kafka;
using Personalization.Trainer.Training;

namespace Personalization.Silo.Training;

/// <summary>
/// Runs training in the background, one run at a time per silo, and announces published models to the cluster.
/// Requests are answered at once: training takes seconds to minutes, and the silo keeps serving the current model
/// until the new one is loaded and swapped in by the model listener.
/// </summary>
public sealed class TrainingCoordinator(
    TrainingPipeline pipeline, IOptions<TrainingOptions> options, EventProducer producer, IHostApplicationLifetime lifetime,
    Grains.Serving.IServingModelProvider serving, TimeProvider time, ILogger<TrainingCoordinator> logger)
{
    // Recent runs for GET /v1/admin/train/{id}; older ones are dropped.
    private const int RunsKept = 50;
    private readonly ConcurrentDictionary<string, TrainingRun> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly Lock _gate = new();
    private TrainingRun? _active;

    /// <summary>The run in progress, if any.</summary>
    public TrainingRun? Active => _active is { Id: var id } && _runs.TryGetValue(id, out var run) && !run.Finished ? run : null;

    /// <summary>A recent run by id.</summary>
    public TrainingRun? Find(string id) => _runs.GetValueOrDefault(id);

    /// <summary>Completion of the run in progress (for tests and shutdown), or a completed task.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    /// <summary>Starts a run unless one is in progress.</summary>
    /// <param name="trigger">Who asked, for the run record and logs.</param>
    /// <returns>The new run and true, or the run in progress and false.</returns>
    public (TrainingRun Run, bool Started) TryStart(string trigger)
    {
        lock (_gate)
        {
            if (Active is { } running)
                return (running, false);
            var run = new TrainingRun(Guid.NewGuid().ToString("N")[..12], trigger, TrainingRun.Running, time.GetUtcNow(), null, null, null, null);
            Remember(run);
            _active = run;
            // The run outlives the request that started it: do not carry the request's log scope and trace along.
            using (ExecutionContext.SuppressFlow())
                Completion = Task.Run(() => ExecuteAsync(run, lifetime.ApplicationStopping));
            return (run, true);
        }
    }

    private async Task ExecuteAsync(TrainingRun run, CancellationToken cancellationToken)
    {
        logger.LogInformation("Training run {RunId} started ({Trigger})", run.Id, run.Trigger);
        try
        {
            var outcome = await pipeline.TrainAndPublishAsync(options.Value, cancellationToken);
            if (outcome.Published)
            {
                // This silo serves it at once; the announcement is for the others (a listener that joined its group
                // after the record was written would miss it, and the trainer's own silo must not depend on that).
                serving.Swap(outcome.Model);
                await ModelAnnouncement.AnnounceAsync(producer, outcome.Model.Version, cancellationToken);
            }
            Remember(run with
            {
                Status = outcome.Published ? "published" : "rejected", FinishedAt = time.GetUtcNow(), Version = outcome.Model.Version,
                Reason = outcome.Reason, Metrics = outcome.Model.Metrics,
            });
        }
        catch (Exception ex)
        {
            // A failed run leaves the serving model in place; the reason is reported, not thrown into the host.
            logger.LogError(ex, "Training run {RunId} failed", run.Id);
            Remember(run with { Status = "failed", FinishedAt = time.GetUtcNow(), Reason = ex.Message });
        }
    }

    private void Remember(TrainingRun run)
    {
        if (_runs.TryAdd(run.Id, run))
        {
            _order.Enqueue(run.Id);
            while (_order.Count > RunsKept && _order.TryDequeue(out var old))
                _runs.TryRemove(old, out _);
        }
        else
        {
            _runs[run.Id] = run;
        }
    }
}
