using System.Runtime.CompilerServices;
using Dapper;

namespace Personalization.Storage.Sqlite;

/// <summary>The interaction history in SQLite.</summary>
public sealed class SqliteInteractionHistory(SqliteDatabase database) : IInteractionHistory
{
    /// <inheritdoc />
    /// <remarks>On the database's writer thread (<see cref="SqliteDatabase.WriteAsync{T}"/>): SQLite's I/O blocks.</remarks>
    public Task AppendAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return Task.CompletedTask;
        return database.WriteAsync(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO interactions (source_key, user_id, item_id, type, value, timestamp_ms)
                VALUES ($source, $user, $item, $type, $value, $ts) ON CONFLICT (source_key) DO NOTHING
                """;
            var source = command.Parameters.Add("$source", Microsoft.Data.Sqlite.SqliteType.Text);
            var user = command.Parameters.Add("$user", Microsoft.Data.Sqlite.SqliteType.Text);
            var item = command.Parameters.Add("$item", Microsoft.Data.Sqlite.SqliteType.Text);
            var type = command.Parameters.Add("$type", Microsoft.Data.Sqlite.SqliteType.Text);
            var value = command.Parameters.Add("$value", Microsoft.Data.Sqlite.SqliteType.Real);
            var ts = command.Parameters.Add("$ts", Microsoft.Data.Sqlite.SqliteType.Integer);
            command.Prepare();
            foreach (var record in records)
            {
                source.Value = record.SourceKey;
                user.Value = record.UserId;
                item.Value = record.ItemId;
                type.Value = record.Type;
                value.Value = record.Value is { } v ? v : DBNull.Value;
                ts.Value = record.Timestamp.ToUnixTimeMilliseconds();
                command.ExecuteNonQuery();
            }
            transaction.Commit();
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<InteractionRecord>> ReadUserAsync(string userId, bool importedOnly, int limit, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT source_key AS SourceKey, user_id AS UserId, item_id AS ItemId, type AS Type, value AS Value, timestamp_ms AS TimestampMs
            FROM interactions WHERE user_id = @userId {(importedOnly ? "AND source_key LIKE 'import:%'" : "")}
            ORDER BY timestamp_ms DESC, id DESC LIMIT @limit
            """, new { userId, limit }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => r.ToRecord()).Reverse().ToList();
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<InteractionRecord> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT source_key, user_id, item_id, type, value, timestamp_ms FROM interactions ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new InteractionRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : (float)reader.GetDouble(4), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)));
        }
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM interactions", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private sealed record Row(string SourceKey, string UserId, string ItemId, string Type, double? Value, long TimestampMs)
    {
        public InteractionRecord ToRecord() =>
            new(SourceKey, UserId, ItemId, Type, Value is { } v ? (float)v : null, DateTimeOffset.FromUnixTimeMilliseconds(TimestampMs));
    }
}
