using Personalization.Contracts;
using Personalization.Grains.Serving;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>Events in through the gateway and Kafka, folded into the user's grain, ranked rows out.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class EventsToRecommendationsTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    [Fact]
    public async Task New_user_who_plays_one_genre_gets_mostly_that_genre()
    {
        var model = Silo.Model;
        var genre = Array.IndexOf(model.Genres, "Horror");
        Assert.True(genre >= 0, "the synthetic catalog has a Horror genre");
        // Popular single-genre Horror items: an unambiguous signal.
        var played = model.GenreItems[genre].Where(r => r < model.ModelItems && model.ItemGenres[r].Length == 1)
            .OrderByDescending(r => model.Model.ItemPopularity[r]).Take(8).Select(model.ItemId).ToList();
        Assert.Equal(8, played.Count);

        const string user = "e2e-horror-fan";
        var before = await Silo.Client.GetRecommendationsAsync(user, 20);
        Assert.Equal(20, before.Items.Count); // a user with no history still gets (popular) items

        var accepted = await Silo.Client.TrackAsync(played.Select(item => new InteractionEvent { UserId = user, ItemId = item, Type = InteractionType.Play }));
        Assert.Equal(8, accepted);
        await TestSilo.EventuallyAsync(() => Silo.Client.GetUserAsync(user), u => u.Interactions == 8, TimeSpan.FromSeconds(5), "the plays to reach the user grain");

        var after = await Silo.Client.GetRecommendationsAsync(user, 20);
        Assert.Equal(20, after.Items.Count);
        Assert.DoesNotContain(after.Items, i => played.Contains(i.ItemId)); // played items are excluded
        var horror = after.Items.Count(i => model.ItemGenres[model.RowOf(i.ItemId)].Contains(genre));
        Assert.True(horror >= 14, $"expected mostly Horror after playing Horror, got {horror}/20: {string.Join(", ", after.Items.Select(i => i.Title))}");
        var horrorBefore = before.Items.Count(i => model.ItemGenres[model.RowOf(i.ItemId)].Contains(genre));
        Assert.True(horror > horrorBefore, $"Horror share should grow: {horrorBefore} before, {horror} after");
    }

    [Fact]
    public async Task Rows_are_personal_and_hold_no_item_twice()
    {
        var model = Silo.Model;
        const string user = "e2e-rows";
        var item = model.ItemId(model.GenreItems[0][0]);
        // Watched to the end (3,000 of 3,100 s): finished, so in no row, Continue watching included.
        await Silo.Client.TrackAsync([new InteractionEvent { UserId = user, ItemId = item, Type = InteractionType.Watch, Value = 3000,
            Context = new() { ["duration"] = "3100" } }]);
        await TestSilo.EventuallyAsync(() => Silo.Client.GetUserAsync(user), u => u.Interactions == 1, TimeSpan.FromSeconds(5), "the watch to apply");

        var page = await Silo.Client.GetRowsAsync(user, rows: 8, perRow: 10, device: "tv", hour: 14);
        Assert.Equal(model.Version, page.ModelVersion);
        var ids = page.Rows.Select(r => r.Id).ToList();
        Assert.Equal("top-picks", ids[0]); // afternoons lead with the user's own taste
        Assert.DoesNotContain("continue-watching", ids); // nothing is in progress
        Assert.Contains($"because-you-watched:{item}", ids);
        Assert.Contains("trending", ids);
        Assert.Contains(ids, id => id.StartsWith("genre:", StringComparison.Ordinal));
        Assert.Single(page.Rows, r => r.Id.StartsWith("because-you-watched", StringComparison.Ordinal) && r.Title == $"Because you watched {model.Titles[model.RowOf(item)]}");
        var all = page.Rows.SelectMany(r => r.Items).Select(i => i.ItemId).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.DoesNotContain(item, all);
        Assert.All(page.Rows, r => Assert.InRange(r.Items.Count, 1, 10));
        Assert.All(page.Rows.SelectMany(r => r.Items), i => Assert.False(string.IsNullOrEmpty(i.Reason)));
        // The genre rows come in the order of the user's affinity: the watched item's genre leads.
        var firstGenreRow = page.Rows.First(r => r.Id.StartsWith("genre:", StringComparison.Ordinal));
        Assert.Contains(firstGenreRow.Id["genre:".Length..], model.ItemGenres[model.RowOf(item)].Select(g => model.Genres[g]));
    }

    [Fact]
    public async Task Similar_items_and_item_counters_follow_the_model_and_the_events()
    {
        var model = Silo.Model;
        // The least popular item: no other test of the shared silo plays it, so its counters are ours alone.
        var item = model.ItemId(Enumerable.Range(0, model.ModelItems).MinBy(r => model.Model.ItemPopularity[r]));
        var similar = await Silo.Client.GetSimilarAsync(item, 10);
        Assert.Equal(10, similar.Items.Count);
        Assert.DoesNotContain(similar.Items, i => i.ItemId == item);
        Assert.True(similar.Items.Zip(similar.Items.Skip(1)).All(p => p.First.Score >= p.Second.Score), "similar items are sorted by score");

        var before = await Silo.Client.GetItemAsync(item);
        await Silo.Client.TrackAsync(Enumerable.Range(0, 3).Select(i => new InteractionEvent { UserId = $"counter-{i}", ItemId = item, Type = InteractionType.Play }));
        var after = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(item), v => v.Stats.Plays == before.Stats.Plays + 3,
            TimeSpan.FromSeconds(5), "three plays to reach the item grain");
        Assert.True(after.Stats.Popularity > before.Stats.Popularity);
    }
}
