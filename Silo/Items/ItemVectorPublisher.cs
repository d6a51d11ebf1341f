using Microsoft.Extensions.Options;
using Personalization.Grains.Items;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Items;

/// <summary>
/// Shares the live item vectors this silo's item grains solved with the other silos, batched every
/// <see cref="LiveItemOptions.PublishInterval"/>: an item that many users watch at once is solved once per delivery
/// but announced once per interval, with its newest vector.
/// </summary>
public sealed class ItemVectorPublisher(ItemVectorBoard board, EventProducer producer, IOptions<LiveItemOptions> options, ILogger<ItemVectorPublisher> logger)
    : BackgroundService
{
    /// <summary>Most vectors in one announcement (bounds the record size: about 0.7 KB of JSON per vector of 64 factors).</summary>
    public const int BatchSize = 256;

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
                    await ItemVectorAnnouncement.AnnounceAsync(producer, batch, stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The item's next solve publishes it again; until then other silos rank it with its older vector.
                    logger.LogWarning(ex, "Could not share {Count} live item vectors", batch.Count);
                }
            }
        }
    }
}
