using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace Personalization.Storage.Postgres;

/// <summary>The interaction history in PostgreSQL.</summary>
/// <remarks>
/// Appends send the records as parallel arrays to one <c>INSERT ... SELECT FROM unnest(...) ON CONFLICT
/// (source_key) DO NOTHING</c> per chunk, all chunks in one transaction; ids (<c>bigserial</c>) follow the
/// order of the records, which is the order <see cref="ReadAllAsync"/> streams them in.
/// </remarks>
public sealed class PostgresInteractionHistory(PostgresDatabase database) : IInteractionHistory
{
    /// <summary>Records per statement (keeps each message to the server a few megabytes).</summary>
    public const int ChunkSize = 20_000;

    private const string AppendSql = """
        INSERT INTO interactions (source_key, user_id, item_id, type, value, timestamp_ms)
        SELECT source_key, user_id, item_id, type, value, timestamp_ms
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::real[], $6::bigint[])
            WITH ORDINALITY AS t (source_key, user_id, item_id, type, value, timestamp_ms, ord)
        ORDER BY ord
        ON CONFLICT (source_key) DO NOTHING
        """;

    /// <inheritdoc />
    public async Task AppendAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        for (var start = 0; start < records.Count; start += ChunkSize)
        {
            var count = Math.Min(ChunkSize, records.Count - start);
            var sources = new string[count];
            var users = new string[count];
            var items = new string[count];
            var types = new string[count];
            var values = new float?[count];
            var timestamps = new long[count];
            for (var n = 0; n < count; n++)
            {
                var record = records[start + n];
                sources[n] = record.SourceKey;
                users[n] = record.UserId;
                items[n] = record.ItemId;
                types[n] = record.Type;
                values[n] = record.Value;
                timestamps[n] = record.Timestamp.ToUnixTimeMilliseconds();
            }
            await using var command = new NpgsqlCommand(AppendSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = sources });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = users });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = items });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = types });
            command.Parameters.Add(new NpgsqlParameter<float?[]> { TypedValue = values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Real });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = timestamps });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> ReadUserAsync(string userId, bool importedOnly, int limit, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            $"""
            SELECT source_key, user_id, item_id, type, value, timestamp_ms
            FROM interactions WHERE user_id = $1 {(importedOnly ? "AND source_key LIKE 'import:%'" : "")}
            ORDER BY timestamp_ms DESC, id DESC LIMIT $2
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = userId });
        // A negative limit means none, as in SQLite (LIMIT NULL is LIMIT ALL).
        command.Parameters.Add(new NpgsqlParameter<long?> { TypedValue = limit < 0 ? null : limit, NpgsqlDbType = NpgsqlDbType.Bigint });
        var records = new List<InteractionRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            records.Add(ReadRecord(reader));
        records.Reverse();
        return records;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<InteractionRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // Npgsql streams the rows as they arrive; the query holds one connection until the enumeration ends.
        await using var command = database.DataSource.CreateCommand(
            "SELECT source_key, user_id, item_id, type, value, timestamp_ms FROM interactions ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            yield return ReadRecord(reader);
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT COUNT(*) FROM interactions");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static InteractionRecord ReadRecord(NpgsqlDataReader reader) =>
        new(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetFloat(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
}
