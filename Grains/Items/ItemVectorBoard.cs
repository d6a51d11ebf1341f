using System.Collections.Concurrent;
using Personalization.Grains.Serving;

namespace Personalization.Grains.Items;

/// <summary>
/// Where the item grains of this silo put their live vectors: applied to this silo's serving index at once, and kept
/// until the silo's publisher shares them with the others (<see cref="ItemVectorAnnouncement"/>), so every silo ranks
/// with them within a publish interval.
/// </summary>
public sealed class ItemVectorBoard(IServingModelProvider models)
{
    private readonly ConcurrentDictionary<string, LiveItemVector> _changed = new(StringComparer.Ordinal);

    /// <summary>Serves a vector here and marks it to be shared.</summary>
    public void Report(LiveItemVector live)
    {
        ArgumentNullException.ThrowIfNull(live);
        models.ApplyLive(live);
        _changed.AddOrUpdate(live.ItemId, live, (_, held) => live.IsOlderThan(held) ? held : live);
    }

    /// <summary>Takes the vectors changed since the last call (to publish them).</summary>
    public List<LiveItemVector> TakeChanged()
    {
        var changed = new List<LiveItemVector>(_changed.Count);
        foreach (var itemId in _changed.Keys)
            if (_changed.TryRemove(itemId, out var live)) changed.Add(live);
        return changed;
    }
}
