using System.Text.Json;
using Personalization.Streaming.Kafka;

namespace Personalization.Grains.Items;

/// <summary>
/// Shares live item vectors with every silo (on <see cref="StreamTopics.ModelUpdates"/>, key <see cref="Key"/>): item
/// grains solve them where the item's partition is read, and every silo's serving index ranks with them.
/// </summary>
public static class ItemVectorAnnouncement
{
    /// <summary>Record key of live item vectors.</summary>
    public const string Key = "item-vectors";

    /// <summary>Announces vectors.</summary>
    public static Task AnnounceAsync(EventProducer producer, IReadOnlyList<LiveItemVector> vectors, CancellationToken cancellationToken) =>
        producer.ProduceAsync(StreamTopics.ModelUpdates, 0, Key, JsonSerializer.SerializeToUtf8Bytes(vectors, GrainsJsonContext.Default.IReadOnlyListLiveItemVector),
            cancellationToken);

    /// <summary>Reads announced vectors.</summary>
    public static IReadOnlyList<LiveItemVector> Read(byte[] value) =>
        JsonSerializer.Deserialize(value, GrainsJsonContext.Default.IReadOnlyListLiveItemVector) ?? [];
}
