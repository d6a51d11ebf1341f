using Npgsql;

namespace Personalization.Storage.Postgres;

/// <summary>
/// The cluster store: one PostgreSQL database shared by every silo and the trainer, reached through a pooled
/// <see cref="NpgsqlDataSource"/>. The schema is created or migrated when the instance is constructed: in one
/// transaction holding a transaction-scoped advisory lock, so silos starting at once migrate one after another
/// and each later one finds the schema current. Applied migrations are recorded in <c>schema_version</c>.
/// </summary>
/// <remarks>Timestamps are stored as <c>bigint</c> Unix milliseconds, as in the SQLite provider.</remarks>
public sealed class PostgresDatabase : IDisposable, IAsyncDisposable
{
    /// <summary>The schema version this build creates or migrates to.</summary>
    public static int SchemaVersion => Migrations.Length;

    /// <summary>
    /// Key of the advisory lock taken around migrations (advisory locks are scoped to the database, so
    /// databases on one server do not contend). The ASCII of "pzschema".
    /// </summary>
    public const long MigrationLockKey = 0x707A_7363_6865_6D61;

    // Migration N brings the schema from version N-1 to N. Append only; never edit a shipped migration.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE IF NOT EXISTS grain_state (
            grain_type text NOT NULL,
            grain_key text NOT NULL,
            version bigint NOT NULL,
            log_epoch text,
            applied_offset bigint NOT NULL,
            payload bytea NOT NULL,
            updated_at bigint NOT NULL,
            PRIMARY KEY (grain_type, grain_key));
        CREATE TABLE IF NOT EXISTS interactions (
            id bigserial PRIMARY KEY,
            source_key text NOT NULL UNIQUE,
            user_id text NOT NULL,
            item_id text NOT NULL,
            type text NOT NULL,
            value real,
            timestamp_ms bigint NOT NULL);
        CREATE INDEX IF NOT EXISTS ix_interactions_user ON interactions (user_id, timestamp_ms, id);
        CREATE TABLE IF NOT EXISTS items (
            item_id text PRIMARY KEY,
            title text NOT NULL,
            genres text NOT NULL,
            tags text NOT NULL,
            added_at_ms bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS models (
            version bigint PRIMARY KEY,
            trained_at_ms bigint NOT NULL,
            data_cutoff_ms bigint NOT NULL,
            metrics jsonb NOT NULL,
            artifact bytea NOT NULL);
        """,
        """
        ALTER TABLE items ADD COLUMN IF NOT EXISTS artwork jsonb;
        CREATE TABLE IF NOT EXISTS experiments (
            experiment_id text PRIMARY KEY,
            epoch integer NOT NULL,
            definition jsonb NOT NULL,
            created_at_ms bigint NOT NULL,
            updated_at_ms bigint NOT NULL);
        CREATE TABLE IF NOT EXISTS exposures (
            id bigserial PRIMARY KEY,
            experiment_id text NOT NULL,
            epoch integer NOT NULL,
            user_id text NOT NULL,
            variant text NOT NULL,
            at_ms bigint NOT NULL,
            UNIQUE (experiment_id, epoch, user_id));
        """,
    ];

    /// <summary>
    /// Connections per silo when the connection string does not say: several silos share one server, and
    /// Npgsql's default of 100 each would exhaust PostgreSQL's default max_connections (100) at four silos.
    /// </summary>
    public const int DefaultMaxPoolSize = 16;

    private static string WithPoolLimit(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Contains("pool size", StringComparison.OrdinalIgnoreCase)) builder.MaxPoolSize = DefaultMaxPoolSize;
        return builder.ConnectionString;
    }

    /// <summary>Connects to the database named by <paramref name="connectionString"/> and creates or migrates its schema.</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Database=personalization;Username=app;Password=...</c>.</param>
    /// <exception cref="InvalidOperationException">The database carries a schema newer than this build knows.</exception>
    public PostgresDatabase(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        DataSource = NpgsqlDataSource.Create(WithPoolLimit(connectionString));
        try
        {
            Migrate();
        }
        catch
        {
            DataSource.Dispose();
            throw;
        }
    }

    /// <summary>The pooled data source every store opens its connections from.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>Opens a pooled connection.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => DataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>The schema version recorded in the database.</summary>
    public async Task<int> ReadSchemaVersionAsync(CancellationToken cancellationToken)
    {
        await using var command = DataSource.CreateCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version");
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public void Dispose() => DataSource.Dispose();

    /// <inheritdoc />
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    private void Migrate()
    {
        using var connection = DataSource.OpenConnection();
        using var transaction = connection.BeginTransaction();
        Execute(connection, transaction, $"SELECT pg_advisory_xact_lock({MigrationLockKey})");
        Execute(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at_ms bigint NOT NULL)");
        int current;
        using (var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version", connection, transaction))
            current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > SchemaVersion)
            throw new InvalidOperationException($"The database schema is at version {current}, newer than the {SchemaVersion} this build knows.");
        for (var version = current + 1; version <= SchemaVersion; version++)
        {
            Execute(connection, transaction, Migrations[version - 1]);
            using var record = new NpgsqlCommand("INSERT INTO schema_version (version, applied_at_ms) VALUES ($1, $2)", connection, transaction);
            record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
            record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() });
            record.ExecuteNonQuery();
        }
        transaction.Commit();
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        command.ExecuteNonQuery();
    }
}
