using Personalization.Contracts;
using Personalization.Grains.Serving;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>The home page's rules: continue watching, finished items, context, new items, trending, dislikes.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class HomePageTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    private ServingModel Model => Silo.Model;

    private Task TrackAndWaitAsync(string user, params InteractionEvent[] events) => Silo.TrackAndWaitAsync(user, events);

    private static InteractionEvent Watch(string user, string item, float seconds, float duration) => new()
    {
        UserId = user, ItemId = item, Type = InteractionType.Watch, Value = seconds, Context = new() { ["duration"] = duration.ToString(System.Globalization.CultureInfo.InvariantCulture) },
    };

    [Fact]
    public async Task Started_items_continue_finished_ones_leave_every_row_and_no_item_shows_twice()
    {
        var model = Model;
        const string user = "home-continue";
        var (started, halfway, finished) = (model.ItemId(10), model.ItemId(20), model.ItemId(30));
        await TrackAndWaitAsync(user,
            new InteractionEvent { UserId = user, ItemId = started, Type = InteractionType.Play, Timestamp = DateTimeOffset.UtcNow.AddMinutes(-30) },
            Watch(user, halfway, 1800, 3600) with { Timestamp = DateTimeOffset.UtcNow.AddMinutes(-10) },
            Watch(user, finished, 3500, 3600));

        var page = await Silo.Client.GetRowsAsync(user, rows: 10, perRow: 10, device: "tv", hour: 20);
        Assert.Equal("continue-watching", page.Rows[0].Id); // evenings lead with what the user is in the middle of
        var resume = page.Rows[0].Items;
        Assert.Equal([halfway, started], resume.Select(i => i.ItemId)); // most recent first
        Assert.Equal("Resume at 30 min", resume[0].Reason);

        var all = page.Rows.SelectMany(r => r.Items).Select(i => i.ItemId).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.DoesNotContain(finished, all);
        Assert.All(page.Rows, r => Assert.False(string.IsNullOrEmpty(r.Title)));
        Assert.All(page.Rows.SelectMany(r => r.Items), i => Assert.False(string.IsNullOrEmpty(i.Reason)));
        Assert.DoesNotContain(page.Rows.Skip(1).SelectMany(r => r.Items), i => i.ItemId == started || i.ItemId == halfway);
    }

    [Fact]
    public async Task Device_and_hour_change_row_order_and_length()
    {
        const string user = "home-context";
        await TrackAndWaitAsync(user, Watch(user, Model.ItemId(40), 1200, 3600));

        var tv = await Silo.Client.GetRowsAsync(user, rows: 10, perRow: 20, device: "tv", hour: 20);
        var phone = await Silo.Client.GetRowsAsync(user, rows: 10, perRow: 20, device: "mobile", hour: 20);
        Assert.True(tv.Rows.Count > 5, $"tv shows what was asked: {tv.Rows.Count} rows");
        Assert.True(tv.Rows.Skip(1).Max(r => r.Items.Count) > 10);
        Assert.InRange(phone.Rows.Count, 1, 5);
        Assert.All(phone.Rows, r => Assert.InRange(r.Items.Count, 1, 10));

        var morning = await Silo.Client.GetRowsAsync(user, rows: 4, perRow: 10, device: "web", hour: 8);
        var afternoon = await Silo.Client.GetRowsAsync(user, rows: 4, perRow: 10, device: "web", hour: 14);
        Assert.Equal(["continue-watching", "trending"], morning.Rows.Take(2).Select(r => r.Id));
        Assert.Equal(["top-picks", "continue-watching"], afternoon.Rows.Take(2).Select(r => r.Id));

        // Without a stated device the User-Agent decides.
        using var http = new HttpClient { BaseAddress = Silo.Address };
        http.DefaultRequestHeaders.UserAgent.ParseAdd("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148");
        var fromAgent = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<RowsResponse>(http, $"v1/users/{user}/rows?rows=10&perRow=20&hour=20");
        Assert.InRange(fromAgent!.Rows.Count, 1, 5);
        Assert.All(fromAgent.Rows, r => Assert.InRange(r.Items.Count, 1, 10));
    }

    [Fact]
    public async Task A_repeated_request_is_answered_alike_and_the_next_event_is_seen_at_once()
    {
        const string user = "home-cache";
        var first = await Silo.Client.GetRecommendationsAsync(user, 10);
        var again = await Silo.Client.GetRecommendationsAsync(user, 10);
        Assert.Equal(first.Items.Select(i => i.ItemId), again.Items.Select(i => i.ItemId));
        // The reused answer is dropped as soon as the user does something: the played item leaves the list.
        var played = first.Items[0].ItemId;
        await TrackAndWaitAsync(user, new InteractionEvent { UserId = user, ItemId = played, Type = InteractionType.Play });
        var after = await Silo.Client.GetRecommendationsAsync(user, 10);
        Assert.DoesNotContain(after.Items, i => i.ItemId == played);
        var rows = await Silo.Client.GetRowsAsync(user, rows: 6, perRow: 10, device: "tv", hour: 20);
        Assert.DoesNotContain(rows.Rows.Where(r => r.Id != "continue-watching").SelectMany(r => r.Items), i => i.ItemId == played);
    }

    [Fact]
    public async Task A_new_item_is_recommendable_right_after_put()
    {
        var model = Model;
        var genre = Array.IndexOf(model.Genres, "Horror");
        const string user = "home-new-items";
        var horror = model.GenreItems[genre].Where(r => r < model.ModelItems && model.ItemGenres[r].Length == 1).Take(5).Select(model.ItemId).ToList();
        await TrackAndWaitAsync(user, horror.Select(i => Watch(user, i, 3500, 3600)).ToArray());

        const string fresh = "brand-new-horror";
        await Silo.Client.PutItemAsync(fresh, new ItemUpsert("Brand New Horror", ["Horror"], ["slasher"]));
        var page = await TestSilo.EventuallyAsync(() => Silo.Client.GetRowsAsync(user, rows: 10, perRow: 20, device: "tv", hour: 20),
            p => p.Rows.Any(r => r.Items.Any(i => i.ItemId == fresh)), TimeSpan.FromSeconds(10), "the new item on the page");
        // Its genres and tags map into the factor space (the model's content mapping), so a Horror fan's vector ranks it
        // among their top picks, or else New for you names the reason.
        var row = page.Rows.Single(r => r.Items.Any(i => i.ItemId == fresh));
        Assert.Contains(row.Id, new[] { "top-picks", "new-for-you" });
        Assert.NotNull(Model.Model.Content);
        var vector = Model.FactorsOf(Model.RowOf(fresh)).ToArray();
        Assert.Contains(vector, v => v != 0f);
        // Ridge shrinks mapped vectors, so a new item ranks conservatively among proven ones (docs/trainer.md); on the
        // page it comes through New for you, where a Horror fan sees it ahead of every new item that matches their taste
        // less. Only new Horror-only items can come before it: other tests on this shared silo add titles too, and one
        // of them (with a vector learned from its viewers) may outscore a content-mapped one at an equal genre match.
        var current = Model;
        if (row.Id == "new-for-you")
        {
            var ahead = row.Items.TakeWhile(i => i.ItemId != fresh);
            Assert.All(ahead, i => Assert.Equal(["Horror"], current.ItemGenres[current.RowOf(i.ItemId)].Select(g => current.Genres[g])));
        }

        // New for you holds only items added within the window, Horror (the user's taste) first.
        var newRow = page.Rows.Single(r => r.Id == "new-for-you");
        Assert.All(newRow.Items, i => Assert.True(current.AddedAt[current.RowOf(i.ItemId)] >= DateTimeOffset.UtcNow.AddDays(-31), $"{i.ItemId} is not new"));
        Assert.Contains("Horror", current.ItemGenres[current.RowOf(newRow.Items[0].ItemId)].Select(g => current.Genres[g]));
        Assert.Equal("New, and you like Horror", newRow.Items[0].Reason);
    }

    [Fact]
    public async Task A_burst_of_plays_moves_an_item_into_trending_within_seconds()
    {
        var model = Model;
        // An item no other test plays: among the least popular.
        var item = model.ItemId(Enumerable.Range(0, model.ModelItems).OrderBy(r => model.Model.ItemPopularity[r]).Skip(3).First());
        var before = await Silo.Client.GetRowsAsync("home-trending-viewer", rows: 10, perRow: 20, device: "tv", hour: 8);
        Assert.DoesNotContain(before.Rows.Single(r => r.Id == "trending").Items, i => i.ItemId == item);

        await Silo.Client.TrackAsync(Enumerable.Range(0, 60).Select(i => new InteractionEvent { UserId = $"burst-{i}", ItemId = item, Type = InteractionType.Play }));
        await TestSilo.EventuallyAsync(() => Silo.Client.GetRowsAsync("home-trending-viewer", rows: 10, perRow: 20, device: "tv", hour: 8),
            p => p.Rows.Single(r => r.Id == "trending").Items.Take(5).Any(i => i.ItemId == item), TimeSpan.FromSeconds(10), "the burst item in Trending now");
    }

    [Fact]
    public async Task A_thumbs_down_removes_the_item_and_pushes_its_neighbours_down()
    {
        var model = Model;
        var genre = Array.IndexOf(model.Genres, "Comedy");
        const string user = "home-thumbs-down";
        var liked = model.GenreItems[genre].Where(r => r < model.ModelItems && model.ItemGenres[r].Length == 1)
            .OrderByDescending(r => model.Model.ItemPopularity[r]).Take(6).Select(model.ItemId).ToList();
        await TrackAndWaitAsync(user, liked.Select(i => Watch(user, i, 3500, 3600)).ToArray());

        var before = await Silo.Client.GetRecommendationsAsync(user, 20);
        var disliked = before.Items[0].ItemId;
        var neighbours = Neighbours(model, disliked, 50);
        var neighboursBefore = before.Items.Count(i => neighbours.Contains(i.ItemId));

        await TrackAndWaitAsync(user, new InteractionEvent { UserId = user, ItemId = disliked, Type = InteractionType.Thumbs, Value = -1 });
        var after = await Silo.Client.GetRecommendationsAsync(user, 20);
        Assert.DoesNotContain(after.Items, i => i.ItemId == disliked);
        var neighboursAfter = after.Items.Count(i => neighbours.Contains(i.ItemId));
        Assert.True(neighboursAfter < neighboursBefore, $"nearest neighbours of the disliked item: {neighboursBefore} before, {neighboursAfter} after");
        var page = await Silo.Client.GetRowsAsync(user, rows: 10, perRow: 20, device: "tv", hour: 20);
        Assert.DoesNotContain(page.Rows.SelectMany(r => r.Items), i => i.ItemId == disliked);
    }

    [Fact]
    public async Task Lists_explore_a_little_and_stay_stable_between_page_loads()
    {
        const string user = "home-explore";
        await TrackAndWaitAsync(user, Enumerable.Range(0, 5).Select(i => Watch(user, Model.ItemId(100 + i * 7), 3500, 3600)).ToArray());
        var first = await Silo.Client.GetRecommendationsAsync(user, 20);
        var second = await Silo.Client.GetRecommendationsAsync(user, 20);
        Assert.Equal(first.Items.Select(i => i.ItemId), second.Items.Select(i => i.ItemId)); // same seed within the hour
        // Serving:Ranking:ExplorationShare 0.05 gives one of 20 slots, the last, to a Thompson-sampled item.
        Assert.Equal("Something different to try", first.Items[^1].Reason);
        Assert.All(first.Items.Take(19), i => Assert.Equal("Picked for you", i.Reason));
    }

    private static HashSet<string> Neighbours(ServingModel model, string itemId, int count)
    {
        var row = model.RowOf(itemId);
        var k = model.Factors;
        return Enumerable.Range(0, model.ModelItems).Where(r => r != row)
            .OrderByDescending(r => System.Numerics.Tensors.TensorPrimitives.Dot(model.NormalizedFactors.AsSpan(r * k, k), model.NormalizedFactors.AsSpan(row * k, k)))
            .Take(count).Select(model.ItemId).ToHashSet();
    }
}
