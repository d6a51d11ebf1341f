using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Storage;
using Xunit.Abstractions;

namespace Personalization.Tests.Storage;

/// <summary>The conformance suite on the embedded SQLite store, one database folder per test.</summary>
public sealed class SqliteStorageTests(ITestOutputHelper output) : StorageConformanceTests(output)
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pz-sqlite-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    protected override string Provider => "SQLite";

    /// <inheritdoc />
    protected override Task CreateStoreAsync() => Task.CompletedTask;

    /// <inheritdoc />
    protected override void AddStorage(IServiceCollection services) => services.AddSqliteStorage(_dataDir);

    [Fact]
    public void Every_connection_has_the_settings_whether_new_or_from_the_pool()
    {
        using var database = new Personalization.Storage.Sqlite.SqliteDatabase(_dataDir);
        for (var round = 0; round < 3; round++)
        {
            // Eight open at once: the pool makes new SQLite connections for the first round and hands them out again after.
            var connections = Enumerable.Range(0, 8).Select(_ => database.Open()).ToList();
            try
            {
                Assert.Equal(8, connections.Select(c => c.Handle).Distinct().Count());
                foreach (var connection in connections)
                {
                    Assert.Equal(1L, Pragma(connection, "synchronous")); // NORMAL
                    Assert.Equal(30_000L, Pragma(connection, "busy_timeout"));
                    Assert.Equal(1L, Pragma(connection, "foreign_keys"));
                    Assert.Equal("wal", Pragma(connection, "journal_mode"));
                }
            }
            finally
            {
                foreach (var connection in connections) connection.Dispose();
            }
        }

        static object? Pragma(SqliteConnection connection, string name)
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA {name};";
            return command.ExecuteScalar();
        }
    }

    [Fact]
    public async Task Writes_run_one_at_a_time_on_the_databases_own_thread_not_the_pool()
    {
        using var database = new Personalization.Storage.Sqlite.SqliteDatabase(_dataDir);
        var running = 0;
        var mostAtOnce = 0;
        var threads = new System.Collections.Concurrent.ConcurrentBag<(int Id, bool Pool, string? Name)>();
        var writes = Enumerable.Range(0, 16).Select(i => Task.Run(() => database.WriteAsync(connection =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref mostAtOnce, now);
            threads.Add((Environment.CurrentManagedThreadId, Thread.CurrentThread.IsThreadPoolThread, Thread.CurrentThread.Name));
            Thread.Sleep(2); // a write that takes a while, so overlapping ones would show
            Interlocked.Decrement(ref running);
            return i;
        }))).ToArray();
        Assert.Equal(Enumerable.Range(0, 16), await Task.WhenAll(writes));
        Assert.Equal(1, mostAtOnce);
        var thread = Assert.Single(threads.Distinct());
        Assert.False(thread.Pool);
        Assert.Equal("sqlite-writer", thread.Name);

        // A write that throws faults its own task only.
        await Assert.ThrowsAsync<InvalidOperationException>(() => database.WriteAsync<int>(_ => throw new InvalidOperationException("boom")));
        Assert.Equal(7, await database.WriteAsync(_ => 7));

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen) { }
        }
    }

    /// <inheritdoc />
    protected override Task DeleteStoreAsync()
    {
        var file = Path.Combine(_dataDir, "personalization.db");
        if (File.Exists(file))
        {
            // Close this database's pooled connections (only this one: other tests use SQLite in parallel).
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(file), Pooling = true, DefaultTimeout = 30 }.ToString());
            SqliteConnection.ClearPool(connection);
        }
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }
}
