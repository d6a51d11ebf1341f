using Npgsql;
using NpgsqlTypes;

namespace Personalization.Storage.Postgres;

/// <summary>
/// Grain state in PostgreSQL; writes are conditional on the version read (the ETag), so a silo that lost a
/// partition cannot overwrite the state its new owner wrote.
/// </summary>
/// <remarks>
/// A batch is one transaction and one round trip (plus the commit): the writes travel as parallel arrays,
/// a first statement locks the batch's existing rows in a fixed order (so two silos writing overlapping
/// batches wait for each other instead of deadlocking), and a second inserts the new grains
/// (expected version 0, <c>ON CONFLICT DO NOTHING</c>) and updates the others <c>WHERE version = expected</c>,
/// returning the writes that matched nothing. Any such write rolls the whole batch back.
/// </remarks>
public sealed class PostgresGrainStateStore(PostgresDatabase database) : IGrainStateStore
{
    private const string LockSql = """
        SELECT 1 FROM grain_state g
        JOIN unnest($1::text[], $2::text[]) WITH ORDINALITY AS i (grain_type, grain_key, ord)
          ON g.grain_type = i.grain_type AND g.grain_key = i.grain_key
        ORDER BY i.ord
        FOR UPDATE OF g
        """;

    private const string WriteSql = """
        WITH input AS MATERIALIZED (
            SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::bigint[], $6::bytea[])
                WITH ORDINALITY AS t (grain_type, grain_key, expected, log_epoch, applied_offset, payload, ord)
        ), inserted AS (
            INSERT INTO grain_state (grain_type, grain_key, version, log_epoch, applied_offset, payload, updated_at)
            SELECT grain_type, grain_key, 1, log_epoch, applied_offset, payload, $7 FROM input WHERE expected = 0 ORDER BY ord
            ON CONFLICT DO NOTHING
            RETURNING grain_type, grain_key
        ), updated AS (
            UPDATE grain_state g
            SET version = i.expected + 1, log_epoch = i.log_epoch, applied_offset = i.applied_offset, payload = i.payload, updated_at = $7
            FROM input i
            WHERE i.expected <> 0 AND g.grain_type = i.grain_type AND g.grain_key = i.grain_key AND g.version = i.expected
            RETURNING g.grain_type, g.grain_key
        )
        SELECT i.ord FROM input i
        WHERE NOT EXISTS (SELECT 1 FROM inserted x WHERE x.grain_type = i.grain_type AND x.grain_key = i.grain_key)
          AND NOT EXISTS (SELECT 1 FROM updated x WHERE x.grain_type = i.grain_type AND x.grain_key = i.grain_key)
        ORDER BY i.ord
        """;

    /// <inheritdoc />
    public async Task<GrainStateRecord?> ReadAsync(GrainKey grainId, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT payload, version, log_epoch, applied_offset FROM grain_state WHERE grain_type = $1 AND grain_key = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.Type });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = grainId.Key });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        return new GrainStateRecord(
            reader.GetFieldValue<byte[]>(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetInt64(3));
    }

    /// <inheritdoc />
    public async Task WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // Writes of distinct grains are independent, so one statement can check them all. A grain written twice
        // in one batch must see its own first write, which a single statement's snapshot does not: such a batch
        // goes one write per statement, in order (still one transaction).
        var distinct = new HashSet<GrainKey>(writes.Count);
        var segments = writes.All(w => distinct.Add(w.Grain)) ? [writes] : writes.Select(w => (IReadOnlyList<GrainStateWrite>)[w]).ToList();
        foreach (var segment in segments)
        {
            var conflict = await WriteSegmentAsync(connection, transaction, segment, now, cancellationToken).ConfigureAwait(false);
            if (conflict is { } rejected)
            {
                await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                throw new GrainStateConflictException(rejected.Grain, rejected.ExpectedVersion);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    // Writes distinct grains; returns the first write (in batch order) whose expected version did not match.
    private static async Task<GrainStateWrite?> WriteSegmentAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<GrainStateWrite> writes, long now, CancellationToken cancellationToken)
    {
        // Rows are locked, inserted and updated in (type, key) order, the same in every silo.
        var order = Enumerable.Range(0, writes.Count)
            .OrderBy(i => writes[i].Grain.Type, StringComparer.Ordinal)
            .ThenBy(i => writes[i].Grain.Key, StringComparer.Ordinal)
            .ToArray();
        var types = new string[order.Length];
        var keys = new string[order.Length];
        var expected = new long[order.Length];
        var epochs = new string?[order.Length];
        var offsets = new long[order.Length];
        var payloads = new byte[order.Length][];
        for (var n = 0; n < order.Length; n++)
        {
            var item = writes[order[n]];
            types[n] = item.Grain.Type;
            keys[n] = item.Grain.Key;
            expected[n] = item.ExpectedVersion;
            epochs[n] = item.LogEpoch;
            offsets[n] = item.AppliedOffset;
            payloads[n] = item.Payload;
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        var lockRows = new NpgsqlBatchCommand(LockSql);
        lockRows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        lockRows.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        batch.BatchCommands.Add(lockRows);
        var write = new NpgsqlBatchCommand(WriteSql);
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = expected });
        write.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = epochs, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        write.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = offsets });
        write.Parameters.Add(new NpgsqlParameter<byte[][]> { TypedValue = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        write.Parameters.Add(new NpgsqlParameter<long> { TypedValue = now });
        batch.BatchCommands.Add(write);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) { } // the locked rows
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var first = int.MaxValue;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            first = Math.Min(first, order[(int)reader.GetInt64(0) - 1]);
        return first == int.MaxValue ? null : writes[first];
    }
}
