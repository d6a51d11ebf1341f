using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Orleans.TestingHost;
using Personalization.Grains.Streams;
using Personalization.Storage;
using Personalization.Storage.Grains;
using Personalization.Streaming.Providers;

namespace Personalization.Tests.Grains;

/// <summary>A grain fed by Kafka records, as the user and item grains are: each record adds its first byte.</summary>
public interface ITallyGrain : IKafkaStreamConsumerGrain
{
    /// <summary>Delivers records as the stream provider does (one batch).</summary>
    Task DeliverAsync(KafkaRecord[] records);

    /// <summary>The sum of what was applied.</summary>
    Task<long> TotalAsync();

    /// <summary>Deactivates after this call (the next call reloads the stored state).</summary>
    Task DeactivateAsync();
}

/// <summary>The tally's state.</summary>
public sealed class TallyState : IStreamFedState
{
    /// <inheritdoc />
    public Personalization.Grains.Streams.StreamPosition Position { get; set; } = new();

    /// <summary>The sum.</summary>
    public long Total { get; set; }
}

/// <summary>The test grain.</summary>
public sealed class TallyGrain([PersistentState("tally", "grains")] IPersistentState<TallyState> state, IDeadLetterSink deadLetters, ILogger<TallyGrain> logger)
    : StreamFedGrain<TallyState>(state, deadLetters, logger), ITallyGrain
{
    /// <inheritdoc />
    protected override void Apply(KafkaRecord record)
    {
        if (record.Payload.Length == 0) throw new FormatException("empty record");
        State.Total += record.Payload[0];
    }

    /// <inheritdoc />
    public Task DeliverAsync(KafkaRecord[] records) =>
        OnNextAsync(records.Select(r => new SequentialItem<KafkaRecord>(r, new EventSequenceTokenV2(r.Offset))).ToList());

    /// <inheritdoc />
    public Task<long> TotalAsync() => Task.FromResult(State.Total);

    /// <inheritdoc />
    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>A two-silo Orleans <see cref="TestCluster"/> whose grain state goes through the group-commit storage to SQLite.</summary>
public sealed class TallyClusterFixture : IAsyncLifetime
{
    internal static readonly string DataDir = Path.Combine(Path.GetTempPath(), "pz-testcluster-" + Guid.NewGuid().ToString("N"));

    /// <summary>The dead letters of both silos (they run in this process).</summary>
    internal static readonly RecordingDeadLetters DeadLetters = new();

    /// <summary>The cluster.</summary>
    public TestCluster Cluster { get; private set; } = null!;

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddSqliteStorage(DataDir);
            silo.Services.AddSingleton<IDeadLetterSink>(DeadLetters);
            silo.AddGroupCommitGrainStorage("grains");
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(2);
        builder.AddSiloBuilderConfigurator<Silo>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>Exactly-once application of stream records by a stream-fed grain, on Orleans' TestCluster.</summary>
public sealed class StreamFedGrainTests(TallyClusterFixture fixture) : IClassFixture<TallyClusterFixture>
{
    private static KafkaRecord Record(long offset, byte value, string epoch = "e1", int partition = 3, long previous = -1) =>
        new(epoch, "tally", partition, offset, "k", [value], DateTimeOffset.UnixEpoch, PreviousOffset: previous);

    [Fact]
    public async Task A_replayed_batch_is_applied_once_also_after_the_grain_reloads_its_state()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("replay");
        await grain.DeliverAsync([Record(10, 1), Record(11, 2), Record(14, 4)]);
        Assert.Equal(7, await grain.TotalAsync());
        await grain.DeliverAsync([Record(11, 2), Record(14, 4), Record(15, 8)]); // a redelivery overlapping the last batch
        Assert.Equal(15, await grain.TotalAsync());

        await grain.DeactivateAsync();
        await Task.Delay(200);
        // Reloaded from storage (as on another silo after a failover): the replay of the whole partition changes nothing.
        await grain.DeliverAsync([Record(10, 1), Record(11, 2), Record(14, 4), Record(15, 8)]);
        Assert.Equal(15, await grain.TotalAsync());
        await grain.DeliverAsync([Record(16, 16)]);
        Assert.Equal(31, await grain.TotalAsync());
    }

    [Fact]
    public async Task A_new_log_epoch_starts_the_offsets_again_and_other_partitions_are_separate()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("epochs");
        await grain.DeliverAsync([Record(100, 1), Record(5, 2, partition: 4)]);
        Assert.Equal(3, await grain.TotalAsync());
        await grain.DeliverAsync([Record(0, 4, epoch: "e2"), Record(1, 8, epoch: "e2")]); // a fresh log: offsets from 0
        Assert.Equal(15, await grain.TotalAsync());
    }

    [Fact]
    public async Task A_record_whose_predecessor_the_state_lost_waits_for_the_replay_and_the_checkpoint_says_so()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("gap");
        await grain.DeliverAsync([Record(10, 1), Record(11, 2, previous: 10)]);
        Assert.True(await grain.CheckpointAsync("e1", 3, 11)); // written, and it holds 11
        // 12 went to an activation that died before a checkpoint: 14 names it as its predecessor and is held back.
        await grain.DeliverAsync([Record(14, 4, previous: 12)]);
        Assert.Equal(3, await grain.TotalAsync());
        Assert.False(await grain.CheckpointAsync("e1", 3, 14)); // the receiver replays from its last commit (11 + 1)
        await grain.DeliverAsync([Record(12, 8), Record(14, 4, previous: 12)]);
        Assert.Equal(15, await grain.TotalAsync());
        Assert.True(await grain.CheckpointAsync("e1", 3, 14));
    }

    [Fact]
    public async Task A_record_that_cannot_be_applied_goes_to_the_dead_letters_and_the_stream_moves_on()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("poison");
        var poison = new KafkaRecord("e1", "tally", 3, 2, "poison", [], DateTimeOffset.UnixEpoch);
        await grain.DeliverAsync([Record(1, 1), poison, Record(3, 4)]);
        Assert.Equal(5, await grain.TotalAsync());
        await grain.DeliverAsync([Record(2, 100)]); // position 3 holds offset 2: not applied again, not dead-lettered again
        Assert.Equal(5, await grain.TotalAsync());
        var letter = Assert.Single(TallyClusterFixture.DeadLetters.Letters, l => l.Record.Key == "poison");
        Assert.Equal((2L, "empty record"), (letter.Record.Offset, letter.Error.Message));
        Assert.Equal("tally", letter.Consumer);
    }

    [Fact]
    public async Task While_the_dead_letter_cannot_be_written_the_record_waits_and_nothing_after_it_is_applied()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("poison-outage");
        TallyClusterFixture.DeadLetters.Failing = true;
        try
        {
            await Assert.ThrowsAnyAsync<Exception>(() => grain.DeliverAsync([Record(1, 1), new KafkaRecord("e1", "tally", 3, 2, "stuck", [], DateTimeOffset.UnixEpoch), Record(3, 4)]));
            Assert.Equal(1, await grain.TotalAsync());
        }
        finally
        {
            TallyClusterFixture.DeadLetters.Failing = false;
        }
        // The redelivery, once the dead letters can be written again.
        await grain.DeliverAsync([Record(1, 1), new KafkaRecord("e1", "tally", 3, 2, "stuck", [], DateTimeOffset.UnixEpoch), Record(3, 4)]);
        Assert.Equal(5, await grain.TotalAsync());
        Assert.Single(TallyClusterFixture.DeadLetters.Letters, l => l.Record.Key == "stuck");
    }
}

/// <summary>Dead letters kept in memory, and a switch that makes writing them fail.</summary>
public sealed class RecordingDeadLetters : IDeadLetterSink
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(KafkaRecord Record, string Consumer, Exception Error)> _letters = new();

    /// <summary>The letters written.</summary>
    public IReadOnlyCollection<(KafkaRecord Record, string Consumer, Exception Error)> Letters => _letters;

    /// <summary>While true, writing fails as an unreachable broker would.</summary>
    public volatile bool Failing;

    /// <inheritdoc />
    public Task WriteAsync(KafkaRecord record, string consumer, Exception error)
    {
        if (Failing) throw new Personalization.Streaming.Kafka.EventLogUnavailableException("the dead-letter topic is unreachable", new TimeoutException());
        _letters.Enqueue((record, consumer, error));
        return Task.CompletedTask;
    }
}
