using Npgsql;

namespace Personalization.Storage.Postgres;

/// <summary>The catalog in PostgreSQL. Lists are stored '|'-joined, as in the SQLite provider (the MovieLens convention).</summary>
public sealed class PostgresCatalogStore(PostgresDatabase database) : ICatalogStore
{
    /// <summary>Items per statement.</summary>
    public const int ChunkSize = 20_000;

    private const string UpsertSql = """
        INSERT INTO items (item_id, title, genres, tags, added_at_ms, artwork)
        SELECT item_id, title, genres, tags, added_at_ms, artwork::jsonb
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[]) AS t (item_id, title, genres, tags, added_at_ms, artwork)
        ON CONFLICT (item_id) DO UPDATE SET title = excluded.title, genres = excluded.genres, tags = excluded.tags, artwork = excluded.artwork
        """;

    /// <inheritdoc />
    public async Task UpsertAsync(IReadOnlyList<CatalogItem> items, CancellationToken cancellationToken)
    {
        if (items.Count == 0) return;
        // One statement cannot touch a row twice: an item listed more than once is merged first, as applying
        // the list in order would leave it: the last title, genres and tags with the first AddedAt.
        var merged = new Dictionary<string, (CatalogItem Last, DateTimeOffset FirstAddedAt)>(items.Count, StringComparer.Ordinal);
        var order = new List<string>(items.Count);
        foreach (var item in items)
        {
            if (merged.TryGetValue(item.ItemId, out var seen)) merged[item.ItemId] = (item, seen.FirstAddedAt);
            else
            {
                merged[item.ItemId] = (item, item.AddedAt);
                order.Add(item.ItemId);
            }
        }

        // Rows are written in id order, the same in every writer, so concurrent upserts wait rather than deadlock.
        order.Sort(StringComparer.Ordinal);

        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        for (var start = 0; start < order.Count; start += ChunkSize)
        {
            var count = Math.Min(ChunkSize, order.Count - start);
            var ids = new string[count];
            var titles = new string[count];
            var genres = new string[count];
            var tags = new string[count];
            var addedAt = new long[count];
            var artwork = new string?[count];
            for (var n = 0; n < count; n++)
            {
                var (item, firstAddedAt) = merged[order[start + n]];
                ids[n] = item.ItemId;
                titles[n] = item.Title;
                genres[n] = string.Join('|', item.Genres);
                tags[n] = string.Join('|', item.Tags);
                addedAt[n] = firstAddedAt.ToUnixTimeMilliseconds();
                artwork[n] = ArtworkJson.Write(item.Artwork);
            }
            await using var command = new NpgsqlCommand(UpsertSql, connection, transaction);
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = ids });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = titles });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = genres });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = tags });
            command.Parameters.Add(new NpgsqlParameter<long[]> { TypedValue = addedAt });
            command.Parameters.Add(new NpgsqlParameter<string?[]> { TypedValue = artwork });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogItem>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT item_id, title, genres, tags, added_at_ms, artwork::text FROM items ORDER BY item_id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<CatalogItem>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(new CatalogItem(reader.GetString(0), reader.GetString(1), Split(reader.GetString(2)), Split(reader.GetString(3)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), ArtworkJson.Read(reader.IsDBNull(5) ? null : reader.GetString(5))));
        }
        return items;
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT COUNT(*) FROM items");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static string[] Split(string joined) => joined.Length == 0 ? [] : joined.Split('|');
}
