using Dapper;

namespace Personalization.Storage.Sqlite;

/// <summary>The catalog in SQLite. Lists are stored '|'-joined, the MovieLens convention.</summary>
public sealed class SqliteCatalogStore(SqliteDatabase database) : ICatalogStore
{
    /// <inheritdoc />
    public async Task UpsertAsync(IReadOnlyList<CatalogItem> items, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        await using var transaction = connection.BeginTransaction();
        foreach (var item in items)
        {
            await connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO items (item_id, title, genres, tags, added_at_ms, artwork) VALUES (@ItemId, @Title, @Genres, @Tags, @AddedAt, @Artwork)
                ON CONFLICT (item_id) DO UPDATE SET title = excluded.title, genres = excluded.genres, tags = excluded.tags, artwork = excluded.artwork
                """,
                new { item.ItemId, item.Title, Genres = string.Join('|', item.Genres), Tags = string.Join('|', item.Tags), AddedAt = item.AddedAt.ToUnixTimeMilliseconds(), Artwork = ArtworkJson.Write(item.Artwork) },
                transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<CatalogItem>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<(string ItemId, string Title, string Genres, string Tags, long AddedAt, string? Artwork)>(new CommandDefinition(
            "SELECT item_id, title, genres, tags, added_at_ms, artwork FROM items", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new CatalogItem(r.ItemId, r.Title, Split(r.Genres), Split(r.Tags), DateTimeOffset.FromUnixTimeMilliseconds(r.AddedAt),
            ArtworkJson.Read(r.Artwork))).ToList();
    }

    /// <inheritdoc />
    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM items", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    private static string[] Split(string joined) => joined.Length == 0 ? [] : joined.Split('|');
}
