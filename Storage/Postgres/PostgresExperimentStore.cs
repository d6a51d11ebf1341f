using Npgsql;

namespace Personalization.Storage.Postgres;

/// <summary>Experiments and the exposure log in PostgreSQL, shared by every silo.</summary>
public sealed class PostgresExperimentStore(PostgresDatabase database, TimeProvider time) : IExperimentStore
{
    private const string Columns = "experiment_id, epoch, definition::text, created_at_ms, updated_at_ms";

    /// <inheritdoc />
    public async Task<ExperimentRecord> UpsertAsync(string id, string definition, bool reassign, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"""
            INSERT INTO experiments (experiment_id, epoch, definition, created_at_ms, updated_at_ms) VALUES ($1, 1, $2::jsonb, $3, $3)
            ON CONFLICT (experiment_id) DO UPDATE SET definition = excluded.definition, updated_at_ms = excluded.updated_at_ms,
                epoch = experiments.epoch + $4
            RETURNING {Columns}
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = definition });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = time.GetUtcNow().ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = reassign ? 1 : 0 });
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).Single();
    }

    /// <inheritdoc />
    public async Task<ExperimentRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM experiments WHERE experiment_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        return (await ReadAsync(command, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExperimentRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT {Columns} FROM experiments ORDER BY experiment_id");
        return await ReadAsync(command, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<ExposureRecord> LogExposureAsync(ExposureRecord exposure, CancellationToken cancellationToken)
    {
        // The unique key makes the first insert win across silos; a conflicting insert returns nothing and reads the winner.
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO exposures (experiment_id, epoch, user_id, variant, at_ms) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (experiment_id, epoch, user_id) DO NOTHING
            """, connection))
        {
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exposure.ExperimentId });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = exposure.Epoch });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exposure.UserId });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exposure.Variant });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = exposure.At.ToUnixTimeMilliseconds() });
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await using var read = new NpgsqlCommand("SELECT variant, at_ms FROM exposures WHERE experiment_id = $1 AND epoch = $2 AND user_id = $3", connection);
        read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exposure.ExperimentId });
        read.Parameters.Add(new NpgsqlParameter<int> { TypedValue = exposure.Epoch });
        read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = exposure.UserId });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            throw new InvalidOperationException($"The exposure of '{exposure.UserId}' to '{exposure.ExperimentId}' vanished after it was logged.");
        return exposure with { Variant = reader.GetString(0), At = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)) };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExposureRecord>> ReadExposuresAsync(string experimentId, int epoch, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT user_id, variant, at_ms FROM exposures WHERE experiment_id = $1 AND epoch = $2 ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = experimentId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = epoch });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var exposures = new List<ExposureRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            exposures.Add(new ExposureRecord(experimentId, epoch, reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        return exposures;
    }

    private static async Task<List<ExperimentRecord>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var records = new List<ExperimentRecord>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            records.Add(new ExperimentRecord(reader.GetString(0), reader.GetInt32(1), reader.GetString(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }
        return records;
    }
}
