using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Membership;
using Personalization.Runtime.Placement;
using Personalization.Runtime.Streams;

namespace Personalization.Runtime.Hosting;

/// <summary>Configures what a silo hosts (in the manner of Orleans' ISiloBuilder).</summary>
public sealed class SiloBuilder
{
    internal SiloBuilder(IServiceCollection services, IConfiguration configuration, GrainTypeRegistry types)
    {
        Services = services;
        Configuration = configuration;
        Types = types;
    }

    /// <summary>The host's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>The host's configuration.</summary>
    public IConfiguration Configuration { get; }

    internal GrainTypeRegistry Types { get; }

    /// <summary>
    /// Registers a grain type. With <paramref name="streamTopic"/> the grain is placed by that topic's
    /// partitions (keyed by grain key) and receives its records through <see cref="IEventSink"/>.
    /// </summary>
    public SiloBuilder AddGrain<TInterface, TGrain>(string? streamTopic = null)
        where TInterface : IGrainWithStringKey where TGrain : Grain, TInterface
    {
        Types.Add(typeof(TInterface), typeof(TGrain), streamTopic);
        if (streamTopic is not null) AddTopic(streamTopic);
        return this;
    }

    /// <summary>Declares a topic the silo needs (created at start when missing).</summary>
    public SiloBuilder AddTopic(string name, int? partitions = null)
    {
        Services.AddSingleton(new TopicDeclaration(name, partitions));
        return this;
    }

    /// <summary>Adds a stream tap (it also declares its topic).</summary>
    public SiloBuilder AddStreamTap<TTap>() where TTap : class, IStreamTap
    {
        Services.AddSingleton<IStreamTap, TTap>();
        return this;
    }
}

/// <summary>Registration of the grain runtime.</summary>
public static class SiloServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grain runtime, Kafka placement and the stream consumer. A grain storage provider
    /// (<see cref="IGrainStorage"/>) must be registered too.
    /// </summary>
    public static IServiceCollection AddSilo(this IServiceCollection services, IConfiguration configuration, Action<SiloBuilder> configure)
    {
        services.Configure<KafkaOptions>(configuration.GetSection(KafkaOptions.Section));
        services.Configure<GrainRuntimeOptions>(configuration.GetSection(GrainRuntimeOptions.Section));
        var types = new GrainTypeRegistry();
        services.AddSingleton(types);
        services.TryAddSingleton<PartitionOwnership>();
        services.TryAddSingleton(sp => sp.GetRequiredService<IOptions<KafkaOptions>>().Value);
        services.TryAddSingleton<KafkaConnection>();
        services.TryAddSingleton<EventProducer>();
        services.TryAddSingleton<GrainRuntime>();
        services.TryAddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        services.AddSingleton<StreamConsumerService>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<StreamConsumerService>());
        services.AddHostedService<IdleCollectorService>();
        services.Configure<ClusterOptions>(configuration.GetSection(ClusterOptions.Section));
        services.TryAddSingleton<SiloIdentity>();
        services.TryAddSingleton<ClusterDirectory>();
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<ClusterDirectory>());
        services.AddHostedService<MembershipPublisher>();
        services.AddSingleton(new TopicDeclaration(ClusterOptions.MembershipTopic, 1));
        configure(new SiloBuilder(services, configuration, types));
        return services;
    }
}
