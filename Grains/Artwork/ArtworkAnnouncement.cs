using System.Text.Json;
using Personalization.Streaming.Kafka;

namespace Personalization.Grains.Artwork;

/// <summary>
/// Shares an item's artwork policy with every silo (on <see cref="StreamTopics.ModelUpdates"/>, key <see cref="Key"/>):
/// item grains learn where the item's partition is owned, user grains choose wherever the user's partition is.
/// </summary>
public static class ArtworkAnnouncement
{
    /// <summary>Record key of artwork policies.</summary>
    public const string Key = "artwork-policy";

    /// <summary>Announces policies.</summary>
    public static Task AnnounceAsync(EventProducer producer, IReadOnlyList<ArtworkPolicy> policies, CancellationToken cancellationToken) =>
        producer.ProduceAsync(StreamTopics.ModelUpdates, 0, Key, JsonSerializer.SerializeToUtf8Bytes(policies), cancellationToken);

    /// <summary>Reads announced policies.</summary>
    public static IReadOnlyList<ArtworkPolicy> Read(byte[] value) => JsonSerializer.Deserialize<List<ArtworkPolicy>>(value) ?? [];
}
