using Microsoft.Extensions.DependencyInjection;
using Personalization.Storage.Postgres;

namespace Personalization.Storage;

/// <summary>Registration of the PostgreSQL store (the cluster provider: one database shared by all silos and the trainer).</summary>
public static class PostgresStorageExtensions
{
    /// <summary>
    /// Registers the PostgreSQL database named by <paramref name="connectionString"/> as grain storage, history,
    /// catalog and model store. The schema is created or migrated when <see cref="PostgresDatabase"/> is first resolved.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=personalization;Username=app;Password=...</c>.</param>
    public static IServiceCollection AddPostgresStorage(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        services.AddSingleton(_ => new PostgresDatabase(connectionString));
        services.AddSingleton<IGrainStateStore, PostgresGrainStateStore>();
        services.AddSingleton<IInteractionHistory, PostgresInteractionHistory>();
        services.AddSingleton<ICatalogStore, PostgresCatalogStore>();
        services.AddSingleton<IModelStore, PostgresModelStore>();
        services.AddSingleton<IExperimentStore, PostgresExperimentStore>();
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton(services, TimeProvider.System);
        return services;
    }
}
