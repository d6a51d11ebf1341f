using Personalization.Storage;

namespace Personalization.Silo.Dashboard;

/// <summary>
/// The newest published models for the dashboard, read from the registry at most every 5 s whatever the number of
/// open dashboards (the registry is a database read). One per silo.
/// </summary>
public sealed class RecentModels(IModelStore store, TimeProvider time)
{
    /// <summary>How long a read is reused.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private (DateTimeOffset At, IReadOnlyList<ModelInfo> Models) _cached = (DateTimeOffset.MinValue, []);

    /// <summary>The 5 newest models, newest first.</summary>
    public async Task<IReadOnlyList<ModelInfo>> GetAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var cached = _cached;
        if (now - cached.At <= MaxAge) return cached.Models;
        var models = (await store.ListAsync(cancellationToken)).Take(5).ToList();
        _cached = (now, models);
        return models;
    }
}
