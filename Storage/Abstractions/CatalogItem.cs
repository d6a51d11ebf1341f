namespace Personalization.Storage;

/// <summary>An item of the catalog: what the service can recommend.</summary>
/// <param name="ItemId">The item id.</param>
/// <param name="Title">Display title.</param>
/// <param name="Genres">Genres, e.g. "Comedy".</param>
/// <param name="Tags">Free tags.</param>
/// <param name="AddedAt">When the item entered the catalog.</param>
/// <param name="Artwork">The item's artwork variants (empty or null: the client's default image).</param>
public sealed record CatalogItem(string ItemId, string Title, IReadOnlyList<string> Genres, IReadOnlyList<string> Tags, DateTimeOffset AddedAt,
    IReadOnlyList<ArtworkVariant>? Artwork = null);
