using Microsoft.Extensions.Options;
using Personalization.Grains.Artwork;
using Personalization.Silo.Models;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Artwork;

/// <summary>
/// Shares the artwork policies this silo's item grains changed with the other silos, batched every
/// <see cref="ArtworkOptions.PublishInterval"/>: a policy is a few KB, an impression a few bytes, so per-event
/// announcements would multiply the log's volume.
/// </summary>
public sealed class ArtworkPublisher(ArtworkBoard board, EventProducer producer, IOptions<ArtworkOptions> options, ILogger<ArtworkPublisher> logger)
    : ModelUpdatesPublisher<ArtworkPolicy>(options.Value.PublishInterval, BatchSize, "artwork policies", logger)
{
    /// <summary>Most policies in one announcement (bounds the record size).</summary>
    public const int BatchSize = 64;

    /// <inheritdoc />
    protected override List<ArtworkPolicy> TakeChanged() => board.TakeChanged();

    /// <inheritdoc />
    protected override Task AnnounceAsync(IReadOnlyList<ArtworkPolicy> batch, CancellationToken cancellationToken) =>
        ArtworkAnnouncement.AnnounceAsync(producer, batch, cancellationToken);
}
