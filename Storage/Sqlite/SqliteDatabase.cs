using System.Collections.Concurrent;
using Dapper;
using Microsoft.Data.Sqlite;

namespace Personalization.Storage.Sqlite;

/// <summary>
/// The embedded store: one SQLite database in WAL mode under the data folder. WAL with
/// synchronous=NORMAL survives a killed process (the OS keeps the written pages); it trades only
/// durability across power loss for write speed.
/// </summary>
/// <remarks>
/// SQLite's I/O is synchronous (Microsoft.Data.Sqlite's async methods complete on the calling thread) and it admits one
/// writer at a time; a writer that finds the lock taken sleeps in its busy handler. On thread-pool threads, the grain
/// storage's concurrent group commits and the history appends blocked workers that way for up to a second at 65% load
/// on two cores, and the gateway shed reads while the pool grew. The frequent writes therefore run one at a time on
/// this database's own writer thread (<see cref="WriteAsync{T}"/>); reads stay on their callers (WAL readers do not
/// wait for the writer).
/// </remarks>
public sealed class SqliteDatabase : IDisposable
{
    private const int SchemaVersion = 2;
    private readonly string _connectionString;
    private readonly BlockingCollection<Action> _writes = [];
    private readonly Lazy<Thread> _writer;

    /// <summary>Opens (and creates or migrates) the database in <paramref name="dataDir"/>.</summary>
    public SqliteDatabase(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        Path = System.IO.Path.GetFullPath(System.IO.Path.Combine(dataDir, "personalization.db"));
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        connection.Execute("PRAGMA journal_mode=WAL;");
        Migrate(connection);
        _writer = new Lazy<Thread>(StartWriter);
    }

    /// <summary>
    /// Runs <paramref name="write"/> with an open connection on the database's writer thread, after the writes queued
    /// before it; the task completes (its continuations on the thread pool) when the write returns or throws.
    /// </summary>
    /// <param name="write">The write; it owns the transaction it opens.</param>
    /// <param name="cancellationToken">Cancels the write if it has not started.</param>
    public Task<T> WriteAsync<T>(Func<SqliteConnection, T> write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = _writer.Value;
        _writes.Add(() =>
        {
            if (cancellationToken.IsCancellationRequested)
            {
                done.TrySetCanceled(cancellationToken);
                return;
            }
            try
            {
                using var connection = Open();
                done.TrySetResult(write(connection));
            }
            catch (Exception e)
            {
                done.TrySetException(e);
            }
        }, CancellationToken.None);
        return done.Task;
    }

    private Thread StartWriter()
    {
        var thread = new Thread(() =>
        {
            foreach (var write in _writes.GetConsumingEnumerable()) write();
        }) { IsBackground = true, Name = "sqlite-writer" };
        thread.Start();
        return thread;
    }

    /// <summary>Lets the writer thread finish the queued writes and stop.</summary>
    public void Dispose()
    {
        _writes.CompleteAdding();
        if (_writer.IsValueCreated) _writer.Value.Join();
        _writes.Dispose();
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens a pooled connection with the per-connection settings applied.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        connection.Execute("PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000; PRAGMA foreign_keys=ON;");
        return connection;
    }

    private static void Migrate(SqliteConnection connection)
    {
        var version = connection.ExecuteScalar<long>("PRAGMA user_version;");
        if (version >= SchemaVersion) return;
        // BEGIN IMMEDIATE: a second process opening the same file waits here instead of migrating alongside.
        using var transaction = connection.BeginTransaction(deferred: false);
        version = connection.ExecuteScalar<long>("PRAGMA user_version;", transaction: transaction);
        if (version < 1) connection.Execute("""
            CREATE TABLE IF NOT EXISTS grain_state (
                grain_type TEXT NOT NULL,
                grain_key TEXT NOT NULL,
                version INTEGER NOT NULL,
                log_epoch TEXT,
                applied_offset INTEGER NOT NULL,
                payload BLOB NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (grain_type, grain_key)) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS interactions (
                id INTEGER PRIMARY KEY,
                source_key TEXT NOT NULL UNIQUE,
                user_id TEXT NOT NULL,
                item_id TEXT NOT NULL,
                type TEXT NOT NULL,
                value REAL,
                timestamp_ms INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS ix_interactions_user ON interactions (user_id, timestamp_ms);
            CREATE TABLE IF NOT EXISTS items (
                item_id TEXT PRIMARY KEY,
                title TEXT NOT NULL,
                genres TEXT NOT NULL,
                tags TEXT NOT NULL,
                added_at_ms INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS models (
                version INTEGER PRIMARY KEY,
                trained_at_ms INTEGER NOT NULL,
                data_cutoff_ms INTEGER NOT NULL,
                metrics TEXT NOT NULL,
                artifact BLOB NOT NULL);
            """, transaction: transaction);
        // 2: artwork variants on items; experiments and their exposure log.
        if (version < 2) connection.Execute("""
            ALTER TABLE items ADD COLUMN artwork TEXT;
            CREATE TABLE IF NOT EXISTS experiments (
                experiment_id TEXT PRIMARY KEY,
                epoch INTEGER NOT NULL,
                definition TEXT NOT NULL,
                created_at_ms INTEGER NOT NULL,
                updated_at_ms INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS exposures (
                id INTEGER PRIMARY KEY,
                experiment_id TEXT NOT NULL,
                epoch INTEGER NOT NULL,
                user_id TEXT NOT NULL,
                variant TEXT NOT NULL,
                at_ms INTEGER NOT NULL,
                UNIQUE (experiment_id, epoch, user_id));
            """, transaction: transaction);
        connection.Execute($"PRAGMA user_version={SchemaVersion};", transaction: transaction);
        transaction.Commit();
    }
}
