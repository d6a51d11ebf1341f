using Confluent.Kafka;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Personalization.Streaming.Kafka;
using Personalization.Streaming.Providers;

namespace Personalization.Tests.Streaming;

/// <summary>
/// A silo stopped after a failed start disposes its services while its pulling agents may still call their receivers.
/// The topic reader they share must then answer them, not throw from a disposed consumer or leave them a task that
/// never completes.
/// </summary>
public sealed class KafkaTopicReaderTests
{
    private const string Topic = "reader-test";
    // Only a guard against a hang: every awaited task here completes at once when the reader behaves.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_closed_reader_reports_no_watermark_and_fails_its_commands()
    {
        using var connection = await ConnectAsync(partitions: 2, records: 3);
        var reader = new KafkaTopicReader(connection, Topic, maxBuffered: 100, NullLogger.Instance);
        Assert.Equal(0, await reader.AssignAsync(0, TimeSpan.FromSeconds(10)).WaitAsync(HangGuard));
        var drained = new List<ConsumeResult<string, byte[]>>();
        while (drained.Count < 3)
        {
            await reader.WaitForRecordsAsync(0, TimeSpan.FromMilliseconds(100)).WaitAsync(HangGuard);
            reader.Drain(0, 10, drained);
        }
        Assert.Equal(3, reader.HighWatermark(0));

        reader.Dispose();

        Assert.Equal(-1, reader.HighWatermark(0));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.CommitAsync(0, 3).WaitAsync(HangGuard));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.UnassignAsync(0).WaitAsync(HangGuard));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reader.AssignAsync(1, TimeSpan.FromSeconds(1)).WaitAsync(HangGuard));
    }

    [Fact]
    public async Task A_commit_asked_before_the_close_still_runs()
    {
        using var connection = await ConnectAsync(partitions: 1, records: 2);
        var reader = new KafkaTopicReader(connection, Topic, maxBuffered: 100, NullLogger.Instance);
        await reader.AssignAsync(0, TimeSpan.FromSeconds(10)).WaitAsync(HangGuard);
        var commit = reader.CommitAsync(0, 2);
        reader.Dispose();
        await commit.WaitAsync(HangGuard);

        using var check = new ConsumerBuilder<Ignore, Ignore>(connection.ConsumerConfig($"{connection.Options.GroupId}.{Topic}")).Build();
        var committed = check.Committed([new TopicPartition(Topic, 0)], TimeSpan.FromSeconds(10)).Single();
        Assert.Equal(2, committed.Offset.Value);
    }

    // The in-process mock cluster with the topic, and `records` records in its partition 0.
    private static async Task<KafkaConnection> ConnectAsync(int partitions, int records)
    {
        var connection = new KafkaConnection(Options.Create(new KafkaOptions { Partitions = partitions }), [new TopicDeclaration(Topic)],
            NullLogger<KafkaConnection>.Instance);
        using var producer = new ProducerBuilder<string, byte[]>(connection.ProducerConfig()).Build();
        for (var i = 0; i < records; i++)
            await producer.ProduceAsync(new TopicPartition(Topic, 0), new Message<string, byte[]> { Key = $"k{i}", Value = [1] });
        return connection;
    }
}
