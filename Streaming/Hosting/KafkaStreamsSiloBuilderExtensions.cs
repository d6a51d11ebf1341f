using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Personalization.Streaming.Kafka;
using Personalization.Streaming.Providers;

namespace Personalization.Streaming.Hosting;

/// <summary>Registration of Kafka and of Kafka stream providers on a silo.</summary>
public static class KafkaStreamsSiloBuilderExtensions
{
    /// <summary>
    /// The silo's Kafka connection (the configured cluster, or an in-process mock cluster when
    /// <c>Kafka:BootstrapServers</c> is empty) and the producer, bound from the <c>Kafka</c> section.
    /// </summary>
    public static IServiceCollection AddKafka(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<KafkaOptions>(configuration.GetSection(KafkaOptions.Section));
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<KafkaOptions>>().Value);
        services.TryAddSingleton<KafkaConnection>();
        services.TryAddSingleton<EventProducer>();
        services.TryAddSingleton<KafkaQueueOwnership>();
        services.TryAddSingleton<KafkaTopicReaders>();
        return services;
    }

    /// <summary>Declares a topic the silo needs (created at start when missing).</summary>
    public static IServiceCollection AddKafkaTopic(this IServiceCollection services, string name, int? partitions = null) =>
        services.AddSingleton(new TopicDeclaration(name, partitions));

    /// <summary>
    /// Adds persistent stream provider <paramref name="name"/> reading one Kafka topic: one Orleans queue per
    /// partition, balanced over the live silos by Orleans, records delivered to implicit subscribers of the stream
    /// namespace <see cref="KafkaStreamOptions.Topic"/> keyed by record key. Needs <see cref="AddKafka"/>.
    /// </summary>
    public static ISiloBuilder AddKafkaStreams(this ISiloBuilder builder, string name, Action<KafkaStreamOptions> configure)
    {
        var services = builder.Services;
        services.AddOptions<KafkaStreamOptions>(name).Configure(configure);
        services.AddSingleton<IConfigurationValidator>(sp => new KafkaStreamOptionsValidator(sp.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name), name));
        services.AddSingleton(sp => new TopicDeclaration(sp.GetRequiredService<IOptionsMonitor<KafkaStreamOptions>>().Get(name).Topic));
        // Where consumers put the records they cannot apply: one topic for every stream.
        if (!services.Any(d => d.ServiceType == typeof(IDeadLetterSink)))
        {
            services.AddSingleton<IDeadLetterSink, DeadLetterWriter>();
            services.AddKafkaTopic(DeadLetterWriter.Topic);
        }
        return builder.AddPersistentStreams(name, KafkaAdapterFactory.Create, streams =>
        {
            streams.ConfigurePullingAgent(agent => agent.Configure<IOptionsMonitor<KafkaStreamOptions>>((o, all) =>
            {
                // An idle queue is asked again after this long: the floor of event-to-visible latency.
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(10);
                // A grain gets the records of its stream that wait together in one call.
                o.BatchContainerBatchSize = all.Get(name).DeliveryBatchSize;
                // A key that went quiet gives back its registration (consumers, cursor) instead of holding it 30 minutes.
                o.StreamInactivityPeriod = all.Get(name).StreamInactivityPeriod;
            }));
            // Consumers are implicit subscribers only: no pub-sub grain (and no write) per stream.
            streams.ConfigureStreamPubSub(Orleans.Streams.StreamPubSubType.ImplicitOnly);
            // Queues move when membership changes (a silo joins, or is declared dead), not on a lease timer.
            streams.ConfigurePartitionBalancing(KafkaQueueBalancer.Create);
        });
    }
}
