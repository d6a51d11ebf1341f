using Microsoft.Extensions.DependencyInjection;

namespace Personalization.Storage;

/// <summary>Chooses the storage provider from <see cref="StorageOptions"/>.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>PostgreSQL when a connection string is set, else SQLite under the data folder.</summary>
    public static IServiceCollection AddPersonalizationStorage(this IServiceCollection services, StorageOptions options) =>
        string.IsNullOrWhiteSpace(options.Postgres)
            ? services.AddSqliteStorage(options.DataDir)
            : services.AddPostgresStorage(options.Postgres);
}
