using Personalization.Grains.Experiments;
using Personalization.Storage;

namespace Personalization.Silo.Experiments;

/// <summary>Loads the stored experiments into the registry when the silo starts (announcements keep it current after).</summary>
public sealed class ExperimentLoader(IExperimentStore store, ExperimentRegistry registry, ILogger<ExperimentLoader> logger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var records = await store.ReadAllAsync(cancellationToken);
        foreach (var record in records) registry.Set(record);
        if (records.Count > 0) logger.LogInformation("Running {Count} experiments: {Ids}", records.Count, string.Join(", ", records.Select(r => r.Id)));
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
