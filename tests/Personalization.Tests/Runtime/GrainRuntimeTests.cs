using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Personalization.Runtime;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Hosting;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Placement;
using Personalization.Storage.Sqlite;

namespace Personalization.Tests.Runtime;

public sealed class GrainRuntimeTests : IDisposable
{
    private const string Topic = "counters";
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "personalization-tests", Guid.NewGuid().ToString("N"));
    private readonly ConcurrencyProbe _probe = new();
    private readonly SqliteGrainStorage _storage;

    public GrainRuntimeTests() => _storage = new SqliteGrainStorage(new SqliteDatabase(_dir));

    private GrainRuntime NewRuntime(string epoch = "epoch-1")
    {
        var services = new ServiceCollection().AddSingleton(_probe).BuildServiceProvider();
        var types = new GrainTypeRegistry();
        types.Add(typeof(ICounterGrain), typeof(CounterGrain), Topic);
        var ownership = new PartitionOwnership();
        for (var p = 0; p < 12; p++) ownership.Add(Topic, p);
        return new GrainRuntime(services, types, _storage, ownership, new KafkaOptions(), NullLogger<GrainRuntime>.Instance) { LogEpoch = epoch };
    }

    private static EventEnvelope Record(string key, long offset) =>
        new(Topic, Murmur2Partitioner.Partition(key, 12), offset, key, Array.Empty<byte>(), DateTimeOffset.UtcNow);

    [Fact]
    public async Task Calls_to_one_grain_never_overlap_and_none_is_lost()
    {
        var runtime = NewRuntime();
        var grain = runtime.GetGrain<ICounterGrain>("a");
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => grain.SlowIncrementAsync(TimeSpan.FromMilliseconds(2))));
        Assert.Equal(20, await grain.GetAsync());
        Assert.Equal(1, _probe.MaxInsideOneGrain);
    }

    [Fact]
    public async Task Different_grains_run_in_parallel()
    {
        var runtime = NewRuntime();
        var release = new TaskCompletionSource();
        var enteredA = new TaskCompletionSource();
        var enteredB = new TaskCompletionSource();
        var a = runtime.GetGrain<ICounterGrain>("a").WaitForAsync(enteredA, release.Task);
        var b = runtime.GetGrain<ICounterGrain>("b").WaitForAsync(enteredB, release.Task);
        // Both turns are inside at once; serialized grains would never get B in while A waits.
        await Task.WhenAll(enteredA.Task, enteredB.Task).WaitAsync(TimeSpan.FromSeconds(5));
        release.SetResult();
        await Task.WhenAll(a, b);
    }

    [Fact]
    public async Task A_replayed_record_is_applied_once_across_deactivation()
    {
        var runtime = NewRuntime();
        for (var offset = 0; offset < 3; offset++) Assert.True(await runtime.DeliverAsync(new GrainId("counter", "k"), Record("k", offset), default));
        Assert.Equal(1, await runtime.CheckpointAsync(null, default));
        Assert.Equal(1, await runtime.DeactivateAllAsync(default));

        // A new owner replays from an older committed offset: only offset 3 is new.
        var replay = NewRuntime();
        var applied = new List<bool>();
        for (var offset = 0; offset < 4; offset++) applied.Add(await replay.DeliverAsync(new GrainId("counter", "k"), Record("k", offset), default));
        Assert.Equal([false, false, false, true], applied);
        Assert.Equal(4, await replay.GetGrain<ICounterGrain>("k").GetAsync());
    }

    [Fact]
    public async Task A_new_log_epoch_replays_from_the_start_of_the_new_log()
    {
        var runtime = NewRuntime("old-broker");
        for (var offset = 0; offset < 5; offset++) await runtime.DeliverAsync(new GrainId("counter", "k"), Record("k", offset), default);
        await runtime.DeactivateAllAsync(default);

        var fresh = NewRuntime("new-broker");
        Assert.True(await fresh.DeliverAsync(new GrainId("counter", "k"), Record("k", 0), default));
        Assert.Equal(6, await fresh.GetGrain<ICounterGrain>("k").GetAsync());
    }

    [Fact]
    public async Task A_silo_that_lost_the_grain_cannot_overwrite_newer_state()
    {
        var stale = NewRuntime();
        var owner = NewRuntime();
        var id = new GrainId("counter", "fenced");
        await stale.DeliverAsync(id, Record("fenced", 0), default);
        await stale.CheckpointAsync(null, default);

        // The partition moved: the new owner loads version 1 and writes version 2.
        await owner.DeliverAsync(id, Record("fenced", 1), default);
        await owner.CheckpointAsync(null, default);

        // The old owner, not yet aware, applies and tries to write on top of version 1.
        await stale.DeliverAsync(id, Record("fenced", 2), default);
        await Assert.ThrowsAsync<InconsistentStateException>(() => stale.CheckpointAsync(null, default));
        Assert.Equal(0, stale.ActivationCount); // dropped, not retried

        var stored = await _storage.ReadAsync(id, default);
        Assert.Equal(2, stored!.Version);
        Assert.Equal(1, stored.AppliedOffset);
    }

    [Fact]
    public async Task A_grain_of_a_partition_not_owned_here_does_not_activate()
    {
        var services = new ServiceCollection().AddSingleton(_probe).BuildServiceProvider();
        var types = new GrainTypeRegistry();
        types.Add(typeof(ICounterGrain), typeof(CounterGrain), Topic);
        var runtime = new GrainRuntime(services, types, _storage, new PartitionOwnership(), new KafkaOptions(), NullLogger<GrainRuntime>.Instance);
        var ex = await Assert.ThrowsAsync<GrainNotOwnedException>(() => runtime.GetGrain<ICounterGrain>("x").GetAsync());
        Assert.Equal(Murmur2Partitioner.Partition("x", 12), ex.Partition);
    }

    [Fact]
    public async Task Idle_grains_are_deactivated_with_their_state_written()
    {
        var runtime = NewRuntime();
        await runtime.GetGrain<ICounterGrain>("idle").SlowIncrementAsync(TimeSpan.Zero);
        Assert.Equal(1, runtime.ActivationCount);
        Assert.Equal(1, await runtime.CollectIdleAsync(TimeSpan.Zero, default));
        Assert.Equal(0, runtime.ActivationCount);
        Assert.Equal(1, await NewRuntime().GetGrain<ICounterGrain>("idle").GetAsync());
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
