using System.Text.Json;
using Confluent.Kafka;
using Personalization.Grains;
using Personalization.Grains.Artwork;
using Personalization.Grains.Experiments;
using Personalization.Grains.Items;
using Personalization.Grains.Models;
using Personalization.Grains.Serving;
using Personalization.Streaming.Kafka;
using Personalization.Storage;

namespace Personalization.Silo.Models;

/// <summary>
/// Follows <see cref="StreamTopics.ModelUpdates"/>: on each announced version, loads the model from the
/// store (off the request path) and swaps it in atomically; applies announced catalog changes, artwork policies,
/// live item vectors and experiments.
/// </summary>
public sealed class ModelUpdateListener(KafkaConnection connection, IModelStore store, IServingModelProvider provider,
    ArtworkBoard artwork, ExperimentRegistry experiments, ILogger<ModelUpdateListener> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.Factory.StartNew(() =>
    {
        var config = connection.ConsumerConfig($"model-listener-{Guid.NewGuid():N}");
        config.AutoOffsetReset = AutoOffsetReset.Latest;
        using var consumer = new ConsumerBuilder<string, byte[]>(config).Build();
        // Assigned, not subscribed: from the log's end as of now, without waiting seconds for a group join during
        // which an announcement would be missed.
        var partition = new TopicPartition(StreamTopics.ModelUpdates, 0);
        var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High;
        consumer.Assign(new TopicPartitionOffset(partition, end));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
                if (result?.Message?.Value is not { } value) continue;
                if (result.Message.Key == CatalogAnnouncement.Key)
                {
                    if (CatalogAnnouncement.Read(value) is { } item)
                    {
                        provider.Catalog.Set([item]);
                        provider.RefreshCatalog();
                    }
                    continue;
                }
                if (result.Message.Key == ArtworkAnnouncement.Key)
                {
                    foreach (var policy in ArtworkAnnouncement.Read(value)) artwork.Apply(policy);
                    continue;
                }
                if (result.Message.Key == ItemVectorAnnouncement.Key)
                {
                    foreach (var live in ItemVectorAnnouncement.Read(value)) provider.ApplyLive(live);
                    continue;
                }
                if (result.Message.Key == ExperimentAnnouncement.Key)
                {
                    if (ExperimentAnnouncement.Read(value) is { } experiment) experiments.Set(experiment);
                    continue;
                }
                var announcement = JsonSerializer.Deserialize<ModelAnnouncement>(value);
                if (announcement is null || provider.Current?.Version >= announcement.Version) continue;
                var model = store.LoadAsync(announcement.Version, stoppingToken).GetAwaiter().GetResult();
                if (model is null) logger.LogWarning("Model v{Version} was announced but is not in the store", announcement.Version);
                else provider.Swap(model);
            }
            catch (Exception ex) when (ex is ConsumeException or JsonException)
            {
                logger.LogWarning(ex, "Ignoring a bad model announcement");
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        consumer.Close();
    }, stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
