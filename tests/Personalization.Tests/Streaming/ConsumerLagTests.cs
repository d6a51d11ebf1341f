using System.Net.Http.Json;
using Personalization.Contracts;
using Personalization.Silo.Gateway;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Streaming;

/// <summary>
/// The lag a silo reports is Kafka's consumer lag: records past the committed offsets. A record read and applied but
/// not yet committed still counts, so a lag of zero means every record is durable with its grains and committed; a
/// load run or an operator waiting for it to drain waits for the writes, not only for the reads.
/// </summary>
public sealed class ConsumerLagTests
{
    [Fact]
    public async Task Records_applied_but_not_committed_still_count_as_lag()
    {
        // No checkpoint within the test: the first one is scheduled an hour after the receivers' first read.
        await using var silo = await TestSilo.StartAsync(null, "--Kafka:CheckpointInterval=01:00:00");
        var item = silo.Model.ItemId(0);
        var plays = (await silo.Client.GetItemAsync(item)).Stats.Plays;
        await silo.Client.TrackAsync([new InteractionEvent { UserId = "lag-viewer", ItemId = item, Type = InteractionType.Play }]);
        await TestSilo.EventuallyAsync(() => silo.Client.GetUserAsync("lag-viewer"), u => u.Interactions == 1, TimeSpan.FromSeconds(10), "the play on the user");
        await TestSilo.EventuallyAsync(() => silo.Client.GetItemAsync(item), v => v.Stats.Plays == plays + 1, TimeSpan.FromSeconds(10), "the play on the item");

        // The play on interactions and its copy on item-events: both read and applied, neither committed.
        var health = await silo.Client.Http.GetFromJsonAsync<HealthReport>("healthz");
        Assert.Equal(2, health!.Lag);
    }
}
