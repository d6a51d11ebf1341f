using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Streaming.Providers;
using Personalization.Silo.Hosting;
using Personalization.Storage;

namespace Personalization.Silo.Training;

/// <summary>
/// Starts training when the newest model is older than the interval or enough new events arrived. In a cluster only
/// the silo reading partition 0 of the interaction log checks, so exactly one silo trains; that queue moves with
/// the partition when that silo dies.
/// </summary>
public sealed class TrainingScheduler(
    IOptions<TrainingScheduleOptions> options, TrainingCoordinator coordinator, IModelStore models, IInteractionHistory history,
    KafkaQueueOwnership ownership, StartupStatus status, TimeProvider time, ILogger<TrainingScheduler> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
            return;
        logger.LogInformation("Training schedule: every {Interval}, or after {MinNewEvents} new events (checked every {Check})",
            settings.Interval?.ToString() ?? "(off)", settings.MinNewEvents > 0 ? settings.MinNewEvents : "(off)", settings.CheckInterval);
        using var timer = new PeriodicTimer(settings.CheckInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                if (!status.IsServing || !ownership.Owns(StreamTopics.Interactions, 0) || coordinator.Active is not null)
                    continue;
                if (await DueAsync(settings, stoppingToken) is { } trigger)
                    coordinator.TryStart(trigger);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Training schedule check failed; trying again in {Check}", settings.CheckInterval);
            }
        }
    }

    // Which trigger fired, or null. The newest model's own figures say when it was trained and on how many events.
    private async Task<string?> DueAsync(TrainingScheduleOptions settings, CancellationToken cancellationToken)
    {
        var latest = (await models.ListAsync(cancellationToken)).FirstOrDefault();
        if (latest is null)
            return "schedule:no-model";
        if (settings.Interval is { } interval && time.GetUtcNow() - latest.TrainedAt >= interval)
            return "schedule:interval";
        if (settings.MinNewEvents > 0)
        {
            long trainedOn = (long)latest.Metrics.GetValueOrDefault("train.events");
            if (await history.CountAsync(cancellationToken) - trainedOn >= settings.MinNewEvents)
                return "schedule:events";
        }
        return null;
    }
}
