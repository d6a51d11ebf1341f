namespace Personalization.Storage;

/// <summary>The item catalog.</summary>
public interface ICatalogStore
{
    /// <summary>Inserts or replaces items (an existing item keeps its <see cref="CatalogItem.AddedAt"/>).</summary>
    Task UpsertAsync(IReadOnlyList<CatalogItem> items, CancellationToken cancellationToken);

    /// <summary>All items.</summary>
    Task<IReadOnlyList<CatalogItem>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Number of items.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);
}
