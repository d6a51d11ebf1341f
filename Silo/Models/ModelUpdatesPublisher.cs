namespace Personalization.Silo.Models;

/// <summary>
/// Shares what this silo's grains changed with the other silos on <c>model-updates</c>, batched every interval:
/// a grain reports each change to its silo's board at once, and one announcement per interval carries the newest
/// state of every changed entry, so per-event announcements do not multiply the log's volume.
/// <see cref="ModelUpdateListener"/> applies them on every silo.
/// </summary>
/// <typeparam name="T">One shared entry (an artwork policy, a live item vector).</typeparam>
/// <param name="interval">How often to publish.</param>
/// <param name="batchSize">Most entries in one announcement (bounds the record size).</param>
/// <param name="what">What the entries are, for the log.</param>
/// <param name="logger">Where a failed announcement is logged.</param>
public abstract class ModelUpdatesPublisher<T>(TimeSpan interval, int batchSize, string what, ILogger logger) : BackgroundService
{
    /// <summary>Takes the entries changed since the last call.</summary>
    protected abstract List<T> TakeChanged();

    /// <summary>Announces one batch.</summary>
    protected abstract Task AnnounceAsync(IReadOnlyList<T> batch, CancellationToken cancellationToken);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var changed = TakeChanged();
            for (var i = 0; i < changed.Count; i += batchSize)
            {
                var batch = changed.GetRange(i, Math.Min(batchSize, changed.Count - i));
                try
                {
                    await AnnounceAsync(batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The entry's next change publishes it again; until then other silos use what they had.
                    logger.LogWarning(ex, "Could not share {Count} {What}", batch.Count, what);
                }
            }
        }
    }
}
