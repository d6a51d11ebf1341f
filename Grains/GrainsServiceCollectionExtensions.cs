using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Personalization.Grains.Items;
using Personalization.Grains.Serving;
using Personalization.Grains.Signals;
using Personalization.Grains.Streams;
using Personalization.Grains.Users;
using Personalization.Runtime.Hosting;

namespace Personalization.Grains;

/// <summary>Registration of the personalization grains on a silo.</summary>
public static class GrainsSiloBuilderExtensions
{
    /// <summary>Adds user and item grains, their streams, the serving model and the signal policy.</summary>
    public static SiloBuilder AddPersonalizationGrains(this SiloBuilder silo)
    {
        var services = silo.Services;
        var configuration = silo.Configuration;
        services.Configure<SignalOptions>(configuration.GetSection(SignalOptions.Section));
        services.Configure<UserGrainOptions>(configuration.GetSection(UserGrainOptions.Section));
        services.Configure<TrendingOptions>(configuration.GetSection(TrendingOptions.Section));
        services.Configure<ServingOptions>(configuration.GetSection(ServingOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SignalPolicy>();
        services.AddSingleton<ItemCatalog>();
        services.AddSingleton<IServingModelProvider, ServingModelProvider>();
        services.AddSingleton<TrendingBoard>();
        services.Configure<Artwork.ArtworkOptions>(configuration.GetSection(Artwork.ArtworkOptions.Section));
        services.AddSingleton<Artwork.ArtworkBoard>();
        services.AddSingleton<Experiments.ExperimentRegistry>();
        services.AddSingleton<Runtime.Membership.ISiloPropertiesSource, TrendingProperties>();
        return silo
            .AddGrain<IUserGrain, UserGrain>(StreamTopics.Interactions)
            .AddGrain<IItemGrain, ItemGrain>(StreamTopics.ItemEvents)
            .AddTopic(StreamTopics.ModelUpdates, partitions: 1)
            .AddStreamTap<ItemEventRepartitioner>()
            .AddStreamTap<InteractionHistoryTap>();
    }
}
