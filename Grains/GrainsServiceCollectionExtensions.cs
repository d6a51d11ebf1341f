using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Personalization.Grains.Cluster;
using Personalization.Grains.Items;
using Personalization.Grains.Serving;
using Personalization.Grains.Signals;
using Personalization.Grains.Streams;
using Personalization.Grains.Users;
using Personalization.Storage.Grains;
using Personalization.Streaming.Hosting;
using Personalization.Streaming.Kafka;
using Personalization.Streaming.Providers;

namespace Personalization.Grains;

/// <summary>Registration of the personalization grains on an Orleans silo.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>
    /// Adds user and item grains with their state storage, the Kafka streams that feed them (interactions keyed by
    /// user, item-events keyed by item), the taps beside them, the serving model and the signal policy.
    /// </summary>
    public static ISiloBuilder AddPersonalizationGrains(this ISiloBuilder silo, IConfiguration configuration)
    {
        var services = silo.Services;
        services.Configure<SignalOptions>(configuration.GetSection(SignalOptions.Section));
        services.Configure<UserGrainOptions>(configuration.GetSection(UserGrainOptions.Section));
        services.Configure<TrendingOptions>(configuration.GetSection(TrendingOptions.Section));
        services.AddOptions<DeduplicationOptions>().Bind(configuration.GetSection(DeduplicationOptions.Section))
            .Validate(o => o.Window > TimeSpan.Zero && o.MaxPerUser >= 1 && o.MaxPerItem >= 1,
                "Deduplication:Window must be positive, MaxPerUser and MaxPerItem at least 1.")
            .ValidateOnStart();
        services.Configure<ServingOptions>(configuration.GetSection(ServingOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new ServingClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(typeof(KeyedGrains<>));
        services.AddSingleton<SignalPolicy>();
        services.AddSingleton<ItemCatalog>();
        services.AddSingleton<IServingModelProvider, ServingModelProvider>();
        services.AddSingleton<ClusterReports>();
        services.AddSingleton<TrendingBoard>();
        services.Configure<Artwork.ArtworkOptions>(configuration.GetSection(Artwork.ArtworkOptions.Section));
        services.AddSingleton<Artwork.ArtworkBoard>();
        services.AddSingleton<Experiments.ExperimentRegistry>();
        services.AddOptions<LiveItemOptions>().Bind(configuration.GetSection(LiveItemOptions.Section))
            .Validate(o => o.MaxRecent >= 0 && o.MaxUsers >= 1 && o.PublishInterval > TimeSpan.Zero,
                "LiveItems:MaxRecent must be at least 0, MaxUsers at least 1 and PublishInterval positive.")
            .ValidateOnStart();
        services.AddSingleton<UserVectorBoard>();
        services.AddSingleton<ItemVectorBoard>();

        // Idle user and item grains go after Grains:IdleTimeout; their state is durable after every batch of events.
        var idle = configuration.GetValue<TimeSpan?>("Grains:IdleTimeout");
        if (idle is { } age) services.Configure<GrainCollectionOptions>(o => o.CollectionAge = age);
        // Memory caps the live activations, not only idleness: past MemoryUsageLimitPercentage of the memory the GC may
        // use (a container's limit, or DOTNET_GCHeapHardLimit), Orleans deactivates the least recently used activations
        // down to the target, so a silo under pressure sheds users (who reactivate from storage) instead of running out
        // of memory. Grains:Collection binds Orleans' own GrainCollectionOptions.
        services.AddOptions<GrainCollectionOptions>()
            .Configure(o =>
            {
                o.EnableActivationSheddingOnMemoryPressure = true;
                o.MemoryUsageLimitPercentage = 80;
                o.MemoryUsageTargetPercentage = 70;
                // Orleans polls every 5 s by default. A silo taking 1,500 new users a second grows its heap by about
                // 13 MB/s (8.8 KB per user), so 5 s between looks is a sixth of a 384 MB heap past the limit before
                // any shedding; a poll reads the GC's last figures and costs next to nothing.
                o.MemoryUsagePollingPeriod = TimeSpan.FromSeconds(1);
            })
            .Bind(configuration.GetSection("Grains:Collection"));

        silo.AddGroupCommitGrainStorage(GrainStorageNames.Grains, o => o.SerializerOptions = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = JsonTypeInfoResolver.Combine(GrainsJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        });
        silo.AddMemoryGrainStorage(GrainStorageNames.PubSub);

        var kafka = configuration.GetSection(KafkaOptions.Section).Get<KafkaOptions>() ?? new KafkaOptions();
        services.AddKafka(configuration);
        services.AddKafkaTopic(StreamTopics.ModelUpdates, partitions: 1);
        AddStream(StreamTopics.Interactions, "user");
        AddStream(StreamTopics.ItemEvents, "item");
        services.AddSingleton<IStreamTap, ItemEventRepartitioner>();
        services.AddSingleton<IStreamTap, InteractionHistoryTap>();
        return silo;

        // One provider per grain topic, its settings from the Kafka section.
        void AddStream(string topic, string grainType) => silo.AddKafkaStreams(topic, o =>
        {
            o.Topic = topic;
            o.ConsumerGrainType = grainType;
            o.Partitions = kafka.Partitions;
            o.CheckpointInterval = kafka.CheckpointInterval;
            o.MaxInFlight = kafka.MaxInFlight;
            o.ReceiveWait = kafka.ReceiveWait;
            o.StreamInactivityPeriod = kafka.StreamInactivityPeriod;
        });
    }
}
