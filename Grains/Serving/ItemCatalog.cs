using System.Collections.Concurrent;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>The silo's in-memory copy of the catalog (backed by <see cref="ICatalogStore"/>).</summary>
public sealed class ItemCatalog
{
    private readonly ConcurrentDictionary<string, CatalogItem> _items = new(StringComparer.Ordinal);

    /// <summary>Number of items.</summary>
    public int Count => _items.Count;

    /// <summary>All items by id (a live view).</summary>
    public IReadOnlyDictionary<string, CatalogItem> Items => _items;

    /// <summary>An item, or null.</summary>
    public CatalogItem? Find(string itemId) => _items.GetValueOrDefault(itemId);

    /// <summary>Adds or replaces items.</summary>
    public void Set(IEnumerable<CatalogItem> items)
    {
        foreach (var item in items) _items[item.ItemId] = item;
    }
}
