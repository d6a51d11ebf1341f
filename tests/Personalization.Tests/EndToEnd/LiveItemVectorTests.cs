using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Streaming.Kafka;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// Item grains re-solve a title's vector from its first viewers' live vectors (the item side of the ALS step), and every
/// silo ranks with it: a title released today learns from its audience within seconds, with no retrain.
/// </summary>
[Collection(SharedSiloCollection.Name)]
public sealed class LiveItemVectorTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    private static InteractionEvent Watch(string user, string item) => new()
    {
        UserId = user, ItemId = item, Type = InteractionType.Watch, Value = 3500, Context = new() { ["duration"] = "3600" },
    };

    [Fact]
    public async Task A_new_title_watched_by_one_taste_reaches_that_tastes_top_picks_and_its_similar_items_follow_its_viewers()
    {
        var model = Silo.Model;
        // The audience: fans of one genre. The title's catalog entry says another genre, so its content vector points away.
        var taste = Array.IndexOf(model.Genres, "Western") is var w and >= 0 ? w : model.Genres.Length - 1;
        var elsewhere = Enumerable.Range(0, model.Genres.Length).First(g => g != taste && model.Genres[g] is not ("Horror" or "Comedy"));
        var favourites = model.GenreItems[taste].Where(r => r < model.ModelItems && model.ItemGenres[r].Length == 1)
            .OrderByDescending(r => model.Model.ItemPopularity[r]).Take(12).Select(model.ItemId).ToList();
        const string fresh = "live-vector-new-title";
        await Silo.Client.PutItemAsync(fresh, new ItemUpsert("Released This Morning", [model.Genres[elsewhere]], []));
        await TestSilo.EventuallyAsync(() => Task.FromResult(Silo.Model.RowOf(fresh)), row => row >= 0, TimeSpan.FromSeconds(10), "the title in the serving index");

        // A fan who will not watch it, and whose Top picks it is not in yet.
        const string neighbour = "live-vector-neighbour";
        await Silo.TrackAndWaitAsync(neighbour, favourites.Take(6).Select(i => Watch(neighbour, i)).ToArray());
        var before = await Silo.Client.GetRecommendationsAsync(neighbour, 20);
        Assert.DoesNotContain(before.Items, i => i.ItemId == fresh);
        var similarBefore = await Silo.Client.GetSimilarAsync(fresh, 10);
        int InTaste(IEnumerable<RecommendedItem> items) => items.Count(i => Silo.Model.ItemGenres[Silo.Model.RowOf(i.ItemId)].Contains(taste));
        var view = await Silo.Client.GetItemAsync(fresh);
        Assert.Equal("content", view.Vector!.Source);

        // Twenty fans, each with their own mix of the genre's favourites, then watch the new title.
        var fans = Enumerable.Range(0, 20).Select(f => $"live-vector-fan-{f}").ToList();
        for (var f = 0; f < fans.Count; f++)
        {
            var seen = favourites.Where((_, i) => (i + f) % 3 != 0).Take(5).ToList();
            await Silo.TrackAndWaitAsync(fans[f], seen.Select(i => Watch(fans[f], i)).ToArray());
        }
        foreach (var fan in fans) await Silo.Client.TrackAsync([Watch(fan, fresh)]);

        // Within seconds, with no retrain, the neighbour's Top picks hold it.
        var after = await TestSilo.EventuallyAsync(() => Silo.Client.GetRecommendationsAsync(neighbour, 20),
            r => r.Items.Any(i => i.ItemId == fresh), TimeSpan.FromSeconds(15), "the new title in the neighbour's Top picks");
        Assert.Equal(before.ModelVersion, after.ModelVersion);

        // The item says where its vector comes from, and who watched it, the latest applied first (fans on different
        // partitions reach the item in any order, so not by their timestamps).
        view = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(fresh, recent: 5), v => v.Vector!.Interactions == fans.Count,
            TimeSpan.FromSeconds(10), "every fan folded in");
        Assert.Equal(new VectorProvenance("live", before.ModelVersion, fans.Count, "content"), view.Vector);
        Assert.Equal(fans.Count, view.Recent!.Kept);
        Assert.Equal(fans.Count, view.Recent.Total);
        Assert.Equal(5, view.Recent.Items.Count);
        Assert.All(view.Recent.Items, i => Assert.Contains(i.UserId, fans));
        var second = await Silo.Client.GetItemAsync(fresh, recent: 5, recentOffset: 5);
        Assert.Empty(second.Recent!.Items.Select(i => i.UserId).Intersect(view.Recent.Items.Select(i => i.UserId)));

        // Its similar items move from its catalog genre's to its audience's.
        var similarAfter = await Silo.Client.GetSimilarAsync(fresh, 10);
        Assert.True(InTaste(similarAfter.Items) >= 6 && InTaste(similarAfter.Items) > InTaste(similarBefore.Items),
            $"similar items of the audience's genre: {InTaste(similarBefore.Items)} of 10 before, {InTaste(similarAfter.Items)} after");
    }

    [Fact]
    public async Task Copies_replayed_onto_item_events_leave_the_live_vector_and_the_recent_list_as_if_applied_once()
    {
        var model = Silo.Model;
        const string item = "live-vector-replayed";
        await Silo.Client.PutItemAsync(item, new ItemUpsert("Replayed Premiere", [model.Genres[0]], []));
        await TestSilo.EventuallyAsync(() => Task.FromResult(Silo.Model.RowOf(item)), row => row >= 0, TimeSpan.FromSeconds(10), "the title in the serving index");
        var viewers = Enumerable.Range(0, 6).Select(v => $"live-vector-replay-viewer-{v}").ToList();
        foreach (var (viewer, v) in viewers.Select((u, v) => (u, v)))
            await Silo.TrackAndWaitAsync(viewer, Enumerable.Range(0, 4).Select(j => Watch(viewer, model.ItemId(40 + 7 * v + j))).ToArray());
        foreach (var viewer in viewers) await Silo.Client.TrackAsync([Watch(viewer, item)]);
        var applied = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(item, recent: 50), v => v.Vector!.Interactions == viewers.Count,
            TimeSpan.FromSeconds(10), "the six viewers folded in");
        var row = Silo.Model.RowOf(item);
        var vector = Silo.Model.FactorsOf(row).ToArray();

        // A replay of the source partition re-forwards the same copies (same source offsets) onto item-events.
        var partitions = Silo.Services.GetRequiredService<KafkaOptions>().Partitions;
        var partition = Murmur2Partitioner.Partition(item, partitions);
        var copies = new List<byte[]>();
        using (var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig { BootstrapServers = Silo.BootstrapServers, GroupId = "test-replay" }).Build())
        {
            var topicPartition = new TopicPartition(StreamTopics.ItemEvents, partition);
            var end = consumer.QueryWatermarkOffsets(topicPartition, TimeSpan.FromSeconds(5)).High;
            consumer.Assign(new TopicPartitionOffset(topicPartition, Offset.Beginning));
            while (consumer.Consume(TimeSpan.FromSeconds(5)) is { } result && result.Offset < end)
            {
                if (result.Message.Key == item) copies.Add(result.Message.Value);
                if (result.Offset == end - 1) break;
            }
        }
        Assert.Equal(viewers.Count, copies.Count);
        var producer = Silo.Services.GetRequiredService<EventProducer>();
        foreach (var copy in copies) await producer.ProduceAsync(StreamTopics.ItemEvents, item, copy);

        // A marker behind them on the same partition: once its item counts it, the copies before it were seen.
        var marker = Enumerable.Range(0, model.ModelItems).Select(model.ItemId).First(id => Murmur2Partitioner.Partition(id, partitions) == partition);
        var markerPlays = (await Silo.Client.GetItemAsync(marker)).Stats.Plays;
        await Silo.Client.TrackAsync([new InteractionEvent { UserId = "live-vector-replay-marker", ItemId = marker, Type = InteractionType.Play }]);
        await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(marker), v => v.Stats.Plays == markerPlays + 1, TimeSpan.FromSeconds(10), "the marker");

        var after = await Silo.Client.GetItemAsync(item, recent: 50);
        Assert.Equal(applied.Vector, after.Vector);
        Assert.Equal(applied.Stats.Plays, after.Stats.Plays);
        Assert.Equal((applied.Recent!.Kept, applied.Recent.Total), (after.Recent!.Kept, after.Recent.Total));
        Assert.Equal(applied.Recent.Items, after.Recent.Items);
        Assert.Equal(vector, Silo.Model.FactorsOf(row).ToArray());
    }

    [Fact]
    public async Task Bad_paging_of_an_items_interactions_is_a_problem_naming_the_parameter()
    {
        var item = Silo.Model.ItemId(5);
        using var negative = await Silo.Client.Http.GetAsync($"v1/items/{item}?recent=-1");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("recent", await negative.Content.ReadAsStringAsync());
        using var huge = await Silo.Client.Http.GetAsync($"v1/items/{item}?recentOffset=100000");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, huge.StatusCode);
        Assert.Contains("recentOffset", await huge.Content.ReadAsStringAsync());
    }
}
