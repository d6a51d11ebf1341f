using System.Collections.Concurrent;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>The silo's in-memory copy of the catalog (backed by <see cref="ICatalogStore"/>).</summary>
public sealed class ItemCatalog
{
    private readonly ConcurrentDictionary<string, CatalogItem> _items = new(StringComparer.Ordinal);

    // The items that have artwork variants, apart: every ranked answer asks for each of its items (a rows page for 120),
    // and a small dictionary stays in cache where the catalog's does not (20 lookups in the whole catalog cost about
    // 4 µs of an uncached answer's CPU, mostly cache misses).
    private readonly ConcurrentDictionary<string, IReadOnlyList<ArtworkVariant>> _artwork = new(StringComparer.Ordinal);

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>All items by id (a live view).</summary>
    public IReadOnlyDictionary<string, CatalogItem> Items => _items;

    /// <summary>An item, or null.</summary>
    public CatalogItem? Find(string itemId) => _items.GetValueOrDefault(itemId);

    /// <summary>An item's artwork variants, or null when it has none (or is not in the catalog).</summary>
    public IReadOnlyList<ArtworkVariant>? ArtworkOf(string itemId) => _artwork.IsEmpty ? null : _artwork.GetValueOrDefault(itemId);

    /// <summary>Adds or replaces items.</summary>
    public void Set(IEnumerable<CatalogItem> items)
    {
        foreach (var item in items)
        {
            _items[item.ItemId] = item;
            if (item.Artwork is { Count: > 0 } variants) _artwork[item.ItemId] = variants;
            else _artwork.TryRemove(item.ItemId, out _);
        }
    }
}
