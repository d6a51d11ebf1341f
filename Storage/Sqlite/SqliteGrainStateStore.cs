using Dapper;

namespace Personalization.Storage.Sqlite;

/// <summary>Grain state in SQLite; writes are conditional on the version read (the ETag).</summary>
public sealed class SqliteGrainStateStore(SqliteDatabase database) : IGrainStateStore
{
    /// <inheritdoc />
    public async Task<GrainStateRecord?> ReadAsync(GrainKey grainId, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var row = await connection.QuerySingleOrDefaultAsync<(byte[] Payload, long Version, string? Epoch, long Offset)?>(new CommandDefinition(
            "SELECT payload, version, log_epoch, applied_offset FROM grain_state WHERE grain_type = @Type AND grain_key = @Key",
            new { grainId.Type, grainId.Key }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r ? new GrainStateRecord(r.Payload, r.Version, r.Epoch, r.Offset) : null;
    }

    /// <inheritdoc />
    /// <remarks>On the database's writer thread (<see cref="SqliteDatabase.WriteAsync{T}"/>): SQLite's I/O blocks.</remarks>
    public Task WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var write in writes)
            {
                var parameters = new
                {
                    write.Grain.Type, write.Grain.Key, write.ExpectedVersion, NewVersion = write.ExpectedVersion + 1,
                    Epoch = write.LogEpoch, Offset = write.AppliedOffset, write.Payload, Now = now,
                };
                var changed = write.ExpectedVersion == 0
                    ? connection.Execute(
                        """
                        INSERT INTO grain_state (grain_type, grain_key, version, log_epoch, applied_offset, payload, updated_at)
                        VALUES (@Type, @Key, @NewVersion, @Epoch, @Offset, @Payload, @Now) ON CONFLICT DO NOTHING
                        """, parameters, transaction)
                    : connection.Execute(
                        """
                        UPDATE grain_state SET version = @NewVersion, log_epoch = @Epoch, applied_offset = @Offset, payload = @Payload, updated_at = @Now
                        WHERE grain_type = @Type AND grain_key = @Key AND version = @ExpectedVersion
                        """, parameters, transaction);
                if (changed != 1)
                {
                    transaction.Rollback();
                    throw new GrainStateConflictException(write.Grain, write.ExpectedVersion);
                }
            }
            transaction.Commit();
            return true;
        }, cancellationToken);
    }
}
