using Microsoft.Extensions.Options;
using Personalization.Grains.Artwork;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Artwork;

/// <summary>
/// Shares the artwork policies this silo's item grains changed with the other silos, batched every
/// <see cref="ArtworkOptions.PublishInterval"/>: a policy is a few KB, an impression a few bytes, so per-event
/// announcements would multiply the log's volume.
/// </summary>
public sealed class ArtworkPublisher(ArtworkBoard board, EventProducer producer, IOptions<ArtworkOptions> options, ILogger<ArtworkPublisher> logger)
    : BackgroundService
{
    /// <summary>Most policies in one announcement (bounds the record size).</summary>
    public const int BatchSize = 64;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PublishInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            var changed = board.TakeChanged();
            for (var i = 0; i < changed.Count; i += BatchSize)
            {
                var batch = changed.GetRange(i, Math.Min(BatchSize, changed.Count - i));
                try
                {
                    await ArtworkAnnouncement.AnnounceAsync(producer, batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The next change of each item publishes it again; until then other silos choose with older statistics.
                    logger.LogWarning(ex, "Could not share {Count} artwork policies", batch.Count);
                }
            }
        }
    }
}
