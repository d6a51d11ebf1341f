using Dapper;

namespace Personalization.Storage.Sqlite;

/// <summary>Experiments and the exposure log in SQLite.</summary>
public sealed class SqliteExperimentStore(SqliteDatabase database, TimeProvider time) : IExperimentStore
{
    /// <inheritdoc />
    public async Task<ExperimentRecord> UpsertAsync(string id, string definition, bool reassign, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction();
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO experiments (experiment_id, epoch, definition, created_at_ms, updated_at_ms) VALUES (@id, 1, @definition, @now, @now)
            ON CONFLICT (experiment_id) DO UPDATE SET definition = excluded.definition, updated_at_ms = excluded.updated_at_ms,
                epoch = experiments.epoch + @step
            """, new { id, definition, now, step = reassign ? 1 : 0 }, transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var record = await FindAsync(connection, id, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return record!;
    }

    /// <inheritdoc />
    public async Task<ExperimentRecord?> FindAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        return await FindAsync(connection, id, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExperimentRecord>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<(string Id, long Epoch, string Definition, long CreatedAt, long UpdatedAt)>(new CommandDefinition(
            "SELECT experiment_id, epoch, definition, created_at_ms, updated_at_ms FROM experiments ORDER BY experiment_id",
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToRecord).ToList();
    }

    /// <inheritdoc />
    public async Task<ExposureRecord> LogExposureAsync(ExposureRecord exposure, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        // The unique key makes the first insert win; whoever lost reads the winner.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO exposures (experiment_id, epoch, user_id, variant, at_ms) VALUES (@ExperimentId, @Epoch, @UserId, @Variant, @At)
            ON CONFLICT (experiment_id, epoch, user_id) DO NOTHING
            """, new { exposure.ExperimentId, exposure.Epoch, exposure.UserId, exposure.Variant, At = exposure.At.ToUnixTimeMilliseconds() },
            cancellationToken: cancellationToken)).ConfigureAwait(false);
        var stored = await connection.QuerySingleAsync<(string Variant, long At)>(new CommandDefinition(
            "SELECT variant, at_ms FROM exposures WHERE experiment_id = @ExperimentId AND epoch = @Epoch AND user_id = @UserId",
            new { exposure.ExperimentId, exposure.Epoch, exposure.UserId }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return exposure with { Variant = stored.Variant, At = DateTimeOffset.FromUnixTimeMilliseconds(stored.At) };
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ExposureRecord>> ReadExposuresAsync(string experimentId, int epoch, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<(string UserId, string Variant, long At)>(new CommandDefinition(
            "SELECT user_id, variant, at_ms FROM exposures WHERE experiment_id = @experimentId AND epoch = @epoch ORDER BY id",
            new { experimentId, epoch }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ExposureRecord(experimentId, epoch, r.UserId, r.Variant, DateTimeOffset.FromUnixTimeMilliseconds(r.At))).ToList();
    }

    private static async Task<ExperimentRecord?> FindAsync(Microsoft.Data.Sqlite.SqliteConnection connection, string id, CancellationToken cancellationToken)
    {
        var rows = await connection.QueryAsync<(string Id, long Epoch, string Definition, long CreatedAt, long UpdatedAt)>(new CommandDefinition(
            "SELECT experiment_id, epoch, definition, created_at_ms, updated_at_ms FROM experiments WHERE experiment_id = @id",
            new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(ToRecord).FirstOrDefault();
    }

    private static ExperimentRecord ToRecord((string Id, long Epoch, string Definition, long CreatedAt, long UpdatedAt) r) =>
        new(r.Id, (int)r.Epoch, r.Definition, DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt), DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt));
}
