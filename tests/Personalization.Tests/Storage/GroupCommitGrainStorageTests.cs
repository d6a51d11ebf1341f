using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Runtime;
using Orleans.Storage;
using Personalization.Storage;
using Personalization.Storage.Grains;
using Personalization.Storage.Sqlite;

namespace Personalization.Tests.Storage;

/// <summary>Orleans grain storage over the SQLite store: concurrent writes share transactions, ETags fence stale writers.</summary>
public sealed class GroupCommitGrainStorageTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pz-groupcommit-" + Guid.NewGuid().ToString("N"));
    private readonly CountingStore _store;
    private readonly GroupCommitGrainStorage _storage;

    public GroupCommitGrainStorageTests()
    {
        _store = new CountingStore(new SqliteGrainStateStore(new SqliteDatabase(_dir)));
        _storage = new GroupCommitGrainStorage("test", _store, new GroupCommitGrainStorageOptions(), NullLogger<GroupCommitGrainStorage>.Instance);
    }

    public sealed class Counter
    {
        public long Value { get; set; }
    }

    private sealed class Slot<T> : IGrainState<T>
    {
        [System.Diagnostics.CodeAnalysis.AllowNull]
        public T State { get; set; } = default!;
        public string? ETag { get; set; }
        public bool RecordExists { get; set; }
    }

    private sealed class CountingStore(IGrainStateStore inner) : IGrainStateStore
    {
        public int Transactions;

        public Task<GrainStateRecord?> ReadAsync(GrainKey grain, CancellationToken cancellationToken) => inner.ReadAsync(grain, cancellationToken);

        public async Task WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Transactions);
            await Task.Delay(5, cancellationToken); // a round trip: writes queue meanwhile
            await inner.WriteAsync(writes, cancellationToken);
        }
    }

    private static GrainId User(int i) => GrainId.Create("user", $"u{i}");

    [Fact]
    public async Task Concurrent_writes_of_many_grains_share_transactions_and_read_back()
    {
        var states = Enumerable.Range(0, 200).Select(i => new Slot<Counter> { State = new Counter { Value = i } }).ToArray();
        await Task.WhenAll(states.Select((s, i) => _storage.WriteStateAsync("user", User(i), s)));
        Assert.True(_store.Transactions < 50, $"200 writes took {_store.Transactions} transactions");
        for (var i = 0; i < states.Length; i += 37)
        {
            var read = new Slot<Counter>();
            await _storage.ReadStateAsync("user", User(i), read);
            Assert.True(read.RecordExists);
            Assert.Equal(i, read.State.Value);
            Assert.Equal(states[i].ETag, read.ETag);
        }
    }

    [Fact]
    public async Task A_stale_writer_is_rejected_alone_and_the_others_commit()
    {
        var first = new Slot<Counter> { State = new Counter { Value = 1 } };
        await _storage.WriteStateAsync("user", User(1), first);
        var stale = new Slot<Counter> { State = new Counter { Value = 99 }, ETag = null }; // read before the first write
        var other = new Slot<Counter> { State = new Counter { Value = 2 } };
        var results = await Task.WhenAll(
            Record.ExceptionAsync(() => _storage.WriteStateAsync("user", User(1), stale)),
            Record.ExceptionAsync(() => _storage.WriteStateAsync("user", User(2), other)));
        Assert.IsType<InconsistentStateException>(results[0]);
        Assert.Null(results[1]);
        var read = new Slot<Counter>();
        await _storage.ReadStateAsync("user", User(1), read);
        Assert.Equal(1, read.State.Value);
        await _storage.ReadStateAsync("user", User(2), read);
        Assert.Equal(2, read.State.Value);
    }


    public void Dispose()
    {
        _storage.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
