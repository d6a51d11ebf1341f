using Microsoft.Extensions.DependencyInjection;
using Personalization.Storage.Sqlite;

namespace Personalization.Storage;

/// <summary>Registration of the embedded SQLite store.</summary>
public static class SqliteStorageExtensions
{
    /// <summary>Registers SQLite under <paramref name="dataDir"/> as grain storage, history, catalog and model store.</summary>
    public static IServiceCollection AddSqliteStorage(this IServiceCollection services, string dataDir)
    {
        services.AddSingleton(_ => new SqliteDatabase(dataDir));
        services.AddSingleton<IGrainStateStore, SqliteGrainStateStore>();
        services.AddSingleton<IInteractionHistory, SqliteInteractionHistory>();
        services.AddSingleton<ICatalogStore, SqliteCatalogStore>();
        services.AddSingleton<IModelStore, SqliteModelStore>();
        services.AddSingleton<IExperimentStore, SqliteExperimentStore>();
        Microsoft.Extensions.DependencyInjection.Extensions.ServiceCollectionDescriptorExtensions.TryAddSingleton(services, TimeProvider.System);
        return services;
    }
}
