using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Streaming.Kafka;
using Personalization.Streaming.Providers;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// A record a grain cannot apply, written to the log by some other producer, goes to the dead-letter topic with its
/// reason; its partition moves on, and the dead letter is counted on <c>/metrics</c> and the dashboard.
/// </summary>
[Collection(SharedSiloCollection.Name)]
public sealed class PoisonRecordTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    [Fact]
    public async Task A_poison_record_lands_in_the_dead_letters_while_its_partition_moves_on()
    {
        const string user = "poisoned-user";
        var producer = Silo.Services.GetRequiredService<EventProducer>();
        // Bytes that are no JSON, and JSON that is no event (an unknown type), on the user's partition, ahead of good events.
        var garbage = await producer.ProduceAsync(StreamTopics.Interactions, user, [0x7B, 0xFF, 0x00, 0x13]);
        var unknownType = await producer.ProduceAsync(StreamTopics.Interactions, user,
            Encoding.UTF8.GetBytes($$"""{"userId":"{{user}}","itemId":"i1","type":"stare"}"""));
        var good = new[] { Silo.Model.ItemId(1), Silo.Model.ItemId(2) }
            .Select(i => new InteractionEvent { UserId = user, ItemId = i, Type = InteractionType.Play }).ToList();
        await Silo.TrackAndWaitAsync(user, good);
        Assert.Equal(good.Count, (await Silo.Client.GetUserAsync(user)).Interactions);

        var letters = await TestSilo.EventuallyAsync(() => Task.FromResult(DeadLetters(user)), l => l.Count >= 2, TimeSpan.FromSeconds(20), "two dead letters");
        Assert.Equal([garbage, unknownType], letters.Select(l => long.Parse(l.Headers["dlq.source.offset"], System.Globalization.CultureInfo.InvariantCulture)).Order());
        Assert.All(letters, l =>
        {
            Assert.Equal(StreamTopics.Interactions, l.Headers["dlq.source.topic"]);
            Assert.Equal(producer.PartitionOf(user).ToString(System.Globalization.CultureInfo.InvariantCulture), l.Headers["dlq.source.partition"]);
            Assert.Equal("user", l.Headers["dlq.consumer"]);
            Assert.False(string.IsNullOrWhiteSpace(l.Headers["dlq.reason"]));
        });
        Assert.Contains(letters, l => l.Headers["dlq.reason"].Contains("stare", StringComparison.Ordinal));
        Assert.Equal([0x7B, 0xFF, 0x00, 0x13], letters.Single(l => l.Headers["dlq.source.offset"] == garbage.ToString(System.Globalization.CultureInfo.InvariantCulture)).Value);

        // Counted where operators look.
        var metrics = await TestSilo.EventuallyAsync(() => Silo.Client.Http.GetStringAsync("metrics"),
            m => m.Split('\n').Any(line => line.StartsWith("kafka_dead_letters_total{", StringComparison.Ordinal) && line.Contains("consumer=\"user\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the dead letters on /metrics");
        Assert.Contains("topic=\"interactions\"", metrics, StringComparison.Ordinal);
        var dashboard = await Silo.Client.Http.GetFromJsonAsync<JsonElement>("v1/dashboard");
        Assert.True(dashboard.GetProperty("traffic").GetProperty("deadLettersTotal").GetInt64() >= 2, dashboard.ToString());
    }

    private List<(Dictionary<string, string> Headers, byte[] Value)> DeadLetters(string key)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Silo.BootstrapServers, GroupId = "dead-letter-reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false,
        }).Build();
        var found = new List<(Dictionary<string, string>, byte[])>();
        for (var p = 0; p < 12; p++)
        {
            var partition = new TopicPartition(DeadLetterWriter.Topic, p);
            var high = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(5)).High.Value;
            if (high == 0) continue;
            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            while (consumer.Consume(TimeSpan.FromSeconds(5)) is { } result)
            {
                if (result.Message.Key == key)
                    found.Add((result.Message.Headers.ToDictionary(h => h.Key, h => Encoding.UTF8.GetString(h.GetValueBytes())), result.Message.Value));
                if (result.Offset.Value >= high - 1) break;
            }
        }
        return found;
    }
}
