using Microsoft.Extensions.Options;
using Personalization.Grains.Items;
using Personalization.Silo.Models;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Items;

/// <summary>
/// Shares the live item vectors this silo's item grains solved with the other silos, batched every
/// <see cref="LiveItemOptions.PublishInterval"/>: an item that many users watch at once is solved once per delivery
/// but announced once per interval, with its newest vector.
/// </summary>
public sealed class ItemVectorPublisher(ItemVectorBoard board, EventProducer producer, IOptions<LiveItemOptions> options, ILogger<ItemVectorPublisher> logger)
    : ModelUpdatesPublisher<LiveItemVector>(options.Value.PublishInterval, BatchSize, "live item vectors", logger)
{
    /// <summary>Most vectors in one announcement (bounds the record size: about 0.7 KB of JSON per vector of 64 factors).</summary>
    public const int BatchSize = 256;

    /// <inheritdoc />
    protected override List<LiveItemVector> TakeChanged() => board.TakeChanged();

    /// <inheritdoc />
    protected override Task AnnounceAsync(IReadOnlyList<LiveItemVector> batch, CancellationToken cancellationToken) =>
        ItemVectorAnnouncement.AnnounceAsync(producer, batch, cancellationToken);
}
