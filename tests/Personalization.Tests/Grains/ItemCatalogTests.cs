using Personalization.Grains.Serving;
using Personalization.Storage;

namespace Personalization.Tests.Grains;

/// <summary>The silo's catalog copy answers an item's artwork variants from the items that have them.</summary>
public sealed class ItemCatalogTests
{
    private static CatalogItem Item(string id, params string[] artwork) =>
        new(id, "Title " + id, ["Drama"], [], DateTimeOffset.UnixEpoch, [.. artwork.Select(a => new ArtworkVariant(a, []))]);

    [Fact]
    public void Artwork_follows_the_latest_version_of_each_item()
    {
        var catalog = new ItemCatalog();
        Assert.Null(catalog.ArtworkOf("i1"));

        catalog.Set([Item("i1", "dark", "bright"), Item("i2"), new CatalogItem("i3", "Three", [], [], DateTimeOffset.UnixEpoch)]);
        Assert.Equal(["dark", "bright"], catalog.ArtworkOf("i1")!.Select(v => v.Id));
        Assert.Null(catalog.ArtworkOf("i2")); // an empty list is no artwork
        Assert.Null(catalog.ArtworkOf("i3")); // nor is none
        Assert.Null(catalog.ArtworkOf("unknown"));

        // A put without variants takes the old ones away; a put with variants brings new ones.
        catalog.Set([Item("i1"), Item("i2", "poster")]);
        Assert.Null(catalog.ArtworkOf("i1"));
        Assert.Equal(["poster"], catalog.ArtworkOf("i2")!.Select(v => v.Id));
        Assert.Equal(3, catalog.Count);
        Assert.Empty(catalog.Find("i1")!.Artwork!);
    }
}
