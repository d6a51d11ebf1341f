using System.Text.Json;
using Personalization.Streaming.Kafka;
using Personalization.Storage;

namespace Personalization.Grains.Models;

/// <summary>
/// Tells every silo that a catalog item changed (on <see cref="StreamTopics.ModelUpdates"/>, key <see cref="Key"/>),
/// so each silo's in-memory catalog follows a <c>PUT /v1/items/{id}</c> made on any of them.
/// </summary>
public static class CatalogAnnouncement
{
    /// <summary>Record key of catalog announcements.</summary>
    public const string Key = "catalog-item";

    /// <summary>Announces an item (after it was stored).</summary>
    public static Task AnnounceAsync(EventProducer producer, CatalogItem item, CancellationToken cancellationToken) =>
        producer.ProduceAsync(StreamTopics.ModelUpdates, 0, Key, JsonSerializer.SerializeToUtf8Bytes(item), cancellationToken);

    /// <summary>Reads an announced item.</summary>
    public static CatalogItem? Read(byte[] value) => JsonSerializer.Deserialize<CatalogItem>(value);
}
