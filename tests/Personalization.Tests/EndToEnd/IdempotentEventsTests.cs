using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Storage;
using Personalization.Streaming.Kafka;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// Event ids make a retried <c>POST /v1/events</c> safe: a batch answered 503 may already have written some of its
/// events (they go to several partitions), and the client's retry with the same ids applies each event once, in the
/// user's grain, the item's grain and the training history.
/// </summary>
[Collection(SharedSiloCollection.Name)]
public sealed class IdempotentEventsTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    [Fact]
    public async Task A_batch_retried_after_a_partial_write_is_applied_exactly_once()
    {
        const string user = "retrying-user";
        var model = Silo.Model;
        var items = Enumerable.Range(10, 6).Select(model.ItemId).ToArray();
        var batch = items.Select((item, i) => new InteractionEvent
        {
            UserId = user, ItemId = item, Type = InteractionType.Play, EventId = $"retry-{i}",
            Timestamp = DateTimeOffset.Parse("2020-11-20T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture).AddMinutes(i),
        }).ToList();
        var playsBefore = await Task.WhenAll(items.Select(async i => (await Silo.Client.GetItemAsync(i)).Stats.Plays));

        // The first attempt: the gateway's producer wrote half of the batch before the request failed with 503.
        var producer = Silo.Services.GetRequiredService<EventProducer>();
        foreach (var e in batch.Take(3))
            await producer.ProduceAsync(StreamTopics.Interactions, e.UserId, JsonSerializer.SerializeToUtf8Bytes(e, GrainsJsonContext.Default.InteractionEvent));
        // The client's retry sends the whole batch with the same ids; a nervous client sends it once more.
        for (var attempt = 0; attempt < 2; attempt++)
        {
            using var response = await Silo.Client.Http.PostAsJsonAsync("v1/events", batch);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        // A last event without an id, on the user's partition and on one item's: once it is applied, everything
        // before it was applied too (each grain applies its partition in log order).
        await Silo.Client.TrackAsync([new InteractionEvent { UserId = user, ItemId = items[0], Type = InteractionType.Play }]);

        var view = await TestSilo.EventuallyAsync(() => Silo.Client.GetUserAsync(user, recent: 100),
            u => u.Recent.Any(r => r.ItemId == items[0] && r.Timestamp > batch[^1].Timestamp), TimeSpan.FromSeconds(30), "the last event applied");
        Assert.Equal(batch.Count + 1, view.Interactions);

        var marker = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(items[0]), i => i.Stats.Plays >= playsBefore[0] + 2,
            TimeSpan.FromSeconds(30), "the item's copy of the last event applied");
        Assert.Equal(playsBefore[0] + 2, marker.Stats.Plays);
        for (var i = 1; i < items.Length; i++)
        {
            var item = await TestSilo.EventuallyAsync(() => Silo.Client.GetItemAsync(items[i]), v => v.Stats.Plays >= playsBefore[i] + 1,
                TimeSpan.FromSeconds(30), $"item {items[i]} counted");
            Assert.Equal(playsBefore[i] + 1, item.Stats.Plays);
        }

        // The training history stores each event once (it is written at the partition's next checkpoint).
        var history = Silo.Services.GetRequiredService<IInteractionHistory>();
        var stored = await TestSilo.EventuallyAsync(() => history.ReadUserAsync(user, importedOnly: false, 1_000, CancellationToken.None),
            r => r.Count >= batch.Count + 1, TimeSpan.FromSeconds(30), "the history written");
        Assert.Equal(batch.Count + 1, stored.Count);
    }

    [Fact]
    public async Task The_sdk_gives_every_event_an_id_so_a_resent_batch_counts_once()
    {
        const string user = "sdk-ids-user";
        var events = new[] { new InteractionEvent { UserId = user, ItemId = Silo.Model.ItemId(3), Type = InteractionType.Click, EventId = "sdk-given" } };
        await Silo.TrackAndWaitAsync(user, events);
        // The same event again, as a retry would send it: accepted, not applied.
        await Silo.Client.TrackAsync(events);
        await Silo.TrackAndWaitAsync(user, [new InteractionEvent { UserId = user, ItemId = Silo.Model.ItemId(4), Type = InteractionType.Click }]);
        Assert.Equal(2, (await Silo.Client.GetUserAsync(user)).Interactions);
    }

    [Theory]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","eventId":42}""")]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","eventId":""}""")]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","eventId":"a\u0007b"}""")]
    public async Task A_malformed_event_id_is_a_400_naming_it(string body)
    {
        using var response = await Silo.Client.Http.PostAsync("v1/events", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("eventId", out _), problem.ToString());
    }
}
