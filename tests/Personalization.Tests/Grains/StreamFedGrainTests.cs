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
public sealed class TallyGrain([PersistentState("tally", "grains")] IPersistentState<TallyState> state, ILogger<TallyGrain> logger)
    : StreamFedGrain<TallyState>(state, logger), ITallyGrain
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

    /// <summary>The cluster.</summary>
    public TestCluster Cluster { get; private set; } = null!;

    private sealed class Silo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            silo.Services.AddSqliteStorage(DataDir);
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
    public async Task An_unreadable_record_is_skipped_and_the_stream_moves_on()
    {
        var grain = fixture.Cluster.GrainFactory.GetGrain<ITallyGrain>("poison");
        await grain.DeliverAsync([Record(1, 1), new KafkaRecord("e1", "tally", 3, 2, "k", [], DateTimeOffset.UnixEpoch), Record(3, 4)]);
        Assert.Equal(5, await grain.TotalAsync());
        await grain.DeliverAsync([Record(2, 100)]); // position 3 holds offset 2: not applied again
        Assert.Equal(5, await grain.TotalAsync());
    }
}
