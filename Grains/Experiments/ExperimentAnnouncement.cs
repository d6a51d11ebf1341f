using System.Text.Json;
using Personalization.Streaming.Kafka;
using Personalization.Storage;

namespace Personalization.Grains.Experiments;

/// <summary>
/// Tells every silo that an experiment was defined or changed (on <see cref="StreamTopics.ModelUpdates"/>, key
/// <see cref="Key"/>), after it was stored, so all silos assign and rank alike.
/// </summary>
public static class ExperimentAnnouncement
{
    /// <summary>Record key of experiment announcements.</summary>
    public const string Key = "experiment";

    /// <summary>Announces a stored experiment.</summary>
    public static Task AnnounceAsync(EventProducer producer, ExperimentRecord record, CancellationToken cancellationToken) =>
        producer.ProduceAsync(StreamTopics.ModelUpdates, 0, Key, JsonSerializer.SerializeToUtf8Bytes(record, GrainsJsonContext.Default.ExperimentRecord), cancellationToken);

    /// <summary>Reads an announced experiment.</summary>
    public static ExperimentRecord? Read(byte[] value) => JsonSerializer.Deserialize(value, GrainsJsonContext.Default.ExperimentRecord);
}
