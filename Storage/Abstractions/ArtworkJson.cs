using System.Text.Json;

namespace Personalization.Storage;

/// <summary>
/// How both stores keep <see cref="CatalogItem.Artwork"/>: a JSON array in one column, NULL for an item without
/// variants (read back as null).
/// </summary>
public static class ArtworkJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>The column value: null when there are no variants.</summary>
    public static string? Write(IReadOnlyList<ArtworkVariant>? artwork) =>
        artwork is { Count: > 0 } ? JsonSerializer.Serialize(artwork, Options) : null;

    /// <summary>The variants of a column value (null for NULL).</summary>
    public static IReadOnlyList<ArtworkVariant>? Read(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonSerializer.Deserialize<List<ArtworkVariant>>(json, Options);
}
