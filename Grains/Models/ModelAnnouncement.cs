using System.Text.Json;
using Personalization.Streaming.Kafka;

namespace Personalization.Grains.Models;

/// <summary>The record on <see cref="StreamTopics.ModelUpdates"/> that tells silos a model version was published.</summary>
/// <param name="Version">The new version (its factors are in the model store).</param>
public sealed record ModelAnnouncement(long Version)
{
    /// <summary>Announces a version to every silo.</summary>
    public static Task AnnounceAsync(EventProducer producer, long version, CancellationToken cancellationToken) =>
        producer.ProduceAsync(StreamTopics.ModelUpdates, 0, "model", JsonSerializer.SerializeToUtf8Bytes(new ModelAnnouncement(version)), cancellationToken);
}
