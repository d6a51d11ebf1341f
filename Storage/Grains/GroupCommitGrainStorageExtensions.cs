using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Hosting;
using Orleans.Storage;

namespace Personalization.Storage.Grains;

/// <summary>Registration of <see cref="GroupCommitGrainStorage"/>.</summary>
public static class GroupCommitGrainStorageExtensions
{
    /// <summary>
    /// Adds grain storage <paramref name="name"/> over the registered <see cref="IGrainStateStore"/> (SQLite or
    /// PostgreSQL, see <see cref="StorageServiceCollectionExtensions.AddPersonalizationStorage"/>).
    /// </summary>
    public static ISiloBuilder AddGroupCommitGrainStorage(this ISiloBuilder builder, string name, Action<GroupCommitGrainStorageOptions>? configure = null)
    {
        builder.Services.AddOptions<GroupCommitGrainStorageOptions>(name).Configure(o => configure?.Invoke(o));
        builder.Services.AddKeyedSingleton<IGrainStorage>(name, (services, _) => new GroupCommitGrainStorage(name,
            services.GetRequiredService<IGrainStateStore>(),
            services.GetRequiredService<IOptionsMonitor<GroupCommitGrainStorageOptions>>().Get(name),
            services.GetRequiredService<ILogger<GroupCommitGrainStorage>>()));
        return builder;
    }
}
