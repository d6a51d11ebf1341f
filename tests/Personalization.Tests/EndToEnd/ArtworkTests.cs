using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Personalization.Contracts;
using Personalization.Grains.Serving;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>Artwork variants: each item in a response carries the variant its bandit chose, learned from impressions and clicks.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class ArtworkTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    private ServingModel Model => Silo.Model;

    private Task TrackAndWaitAsync(string user, IReadOnlyList<InteractionEvent> events) => Silo.TrackAndWaitAsync(user, events);

    /// <summary>Model items of one genre only, so a user who plays them has all their affinity there.</summary>
    private List<string> OnlyGenre(string genre, int count)
    {
        var model = Model;
        var g = Array.IndexOf(model.Genres, genre);
        return model.GenreItems[g].Where(r => r < model.ModelItems && model.ItemGenres[r].Length == 1).Take(count).Select(model.ItemId).ToList();
    }

    [Fact]
    public async Task Each_segment_learns_to_see_the_artwork_it_clicks()
    {
        // The item: the first pick of a user who has done nothing (popularity), so it is on every such user's list.
        var item = (await Silo.Client.GetRecommendationsAsync("artwork-probe", 1)).Items[0].ItemId;
        var current = await Silo.Client.GetItemAsync(item);
        await Silo.Client.PutItemAsync(item, new ItemUpsert(current.Title, current.Genres, current.Tags,
            [new ArtworkUpsert("dark", ["dark", "close-up"]), new ArtworkUpsert("bright", ["bright", "group"]), new ArtworkUpsert("plain", ["title"])]));

        var list = await Silo.Client.GetRecommendationsAsync("artwork-probe", 5);
        var shown = Assert.Single(list.Items, i => i.ItemId == item);
        Assert.Contains(shown.ArtworkId, new[] { "dark", "bright", "plain" });
        Assert.All(list.Items.Where(i => i.ItemId != item), i => Assert.Null(i.ArtworkId)); // no variants, no choice

        // Two segments: Horror fans click the dark artwork, Comedy fans the bright one; each sees all three.
        var horror = OnlyGenre("Horror", 4);
        var comedy = OnlyGenre("Comedy", 4);
        var segments = new[] { (Name: "horror", Items: horror, Clicks: "dark"), (Name: "comedy", Items: comedy, Clicks: "bright") };
        var events = new List<InteractionEvent>();
        foreach (var (name, items, clicks) in segments)
        {
            for (var u = 0; u < 12; u++)
            {
                var user = $"artwork-{name}-{u}";
                await TrackAndWaitAsync(user, items.Select(i => new InteractionEvent { UserId = user, ItemId = i, Type = InteractionType.Play }).ToList());
                foreach (var variant in new[] { "dark", "bright", "plain" })
                {
                    var context = new Dictionary<string, string> { ["artworkId"] = variant };
                    events.Add(new InteractionEvent { UserId = user, ItemId = item, Type = InteractionType.Impression, Context = context });
                    if (variant == clicks) events.Add(new InteractionEvent { UserId = user, ItemId = item, Type = InteractionType.Click, Context = context });
                }
            }
        }
        await Silo.Client.TrackAsync(events);
        var stats = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(item),
            i => i.Artwork!.Sum(a => a.Impressions) >= 72 && i.Artwork!.Sum(a => a.Clicks) >= 24, TimeSpan.FromSeconds(15), "the artwork events at the item");
        Assert.Equal(12, stats.Artwork!.Single(a => a.Id == "dark").Clicks);
        Assert.Equal(12, stats.Artwork!.Single(a => a.Id == "bright").Clicks);
        Assert.Equal(0, stats.Artwork!.Single(a => a.Id == "plain").Clicks);
        Assert.Equal(["dark", "close-up"], stats.Artwork!.Single(a => a.Id == "dark").Tags);

        // New users of each segment now get their segment's artwork.
        foreach (var (name, items, clicks) in segments)
        {
            var user = $"artwork-{name}-newcomer";
            await TrackAndWaitAsync(user, items.Take(2).Select(i => new InteractionEvent { UserId = user, ItemId = i, Type = InteractionType.Play }).ToList());
            var page = await Silo.Client.GetRecommendationsAsync(user, 100);
            var rows = await Silo.Client.GetRowsAsync(user, rows: 10, perRow: 20, device: "tv", hour: 20);
            var placed = page.Items.Concat(rows.Rows.SelectMany(r => r.Items)).Where(i => i.ItemId == item).ToList();
            Assert.NotEmpty(placed);
            Assert.All(placed, i => Assert.Equal(clicks, i.ArtworkId));
        }
    }

    [Fact]
    public async Task Bad_artwork_is_400_naming_the_field()
    {
        using var http = new HttpClient { BaseAddress = Silo.Address };
        var cases = new (string Body, string Field)[]
        {
            ("""{"title":"x","artwork":[{"id":"a","tags":[]},{"id":"a","tags":[]}]}""", "artwork[1].id"),
            ("""{"title":"x","artwork":[{"id":"","tags":[]}]}""", "artwork[0].id"),
            ("""{"title":"x","artwork":[{"id":"a","tags":["ok",""]}]}""", "artwork[0].tags"),
        };
        foreach (var (body, field) in cases)
        {
            var response = await http.PutAsync("v1/items/artwork-bad", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body} names {field}: {problem}");
        }
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("v1/items/artwork-bad")).StatusCode);

        var badEvent = """[{"userId":"u1","itemId":"i1","type":"impression","context":{"artworkId":" "}}]""";
        var rejected = await http.PostAsync("v1/events", new StringContent(badEvent, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains("context.artworkId", await rejected.Content.ReadAsStringAsync());
    }
}
