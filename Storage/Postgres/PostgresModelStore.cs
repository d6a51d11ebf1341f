using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Personalization.Recommender;

namespace Personalization.Storage.Postgres;

/// <summary>
/// The model registry in PostgreSQL: metadata in columns (metrics as <c>jsonb</c>), factors as a <c>bytea</c>
/// artifact in the <see cref="FactorModelSerializer"/> format. Publishing an existing version fails with a
/// unique violation (<see cref="PostgresException"/>, SQL state 23505).
/// </summary>
public sealed class PostgresModelStore(PostgresDatabase database) : IModelStore
{
    /// <inheritdoc />
    public async Task<long> NextVersionAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand("SELECT COALESCE(MAX(version), 0) + 1 FROM models");
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <inheritdoc />
    public async Task PublishAsync(FactorModel model, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        FactorModelSerializer.Write(model, buffer);
        await using var command = database.DataSource.CreateCommand(
            "INSERT INTO models (version, trained_at_ms, data_cutoff_ms, metrics, artifact) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = model.Version });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = model.TrainedAt.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = model.DataCutoff.ToUnixTimeMilliseconds() });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(model.Metrics), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new NpgsqlParameter<ArraySegment<byte>>
        {
            TypedValue = new ArraySegment<byte>(buffer.GetBuffer(), 0, (int)buffer.Length), NpgsqlDbType = NpgsqlDbType.Bytea,
        });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<FactorModel?> LoadAsync(long version, CancellationToken cancellationToken) =>
        LoadWhereAsync("WHERE version = $1", version, cancellationToken);

    /// <inheritdoc />
    public Task<FactorModel?> LoadLatestAsync(CancellationToken cancellationToken) =>
        LoadWhereAsync("ORDER BY version DESC LIMIT 1", null, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT version, trained_at_ms, data_cutoff_ms, metrics::text FROM models ORDER BY version DESC");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var models = new List<ModelInfo>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            models.Add(new ModelInfo(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                JsonSerializer.Deserialize<Dictionary<string, double>>(reader.GetString(3)) ?? []));
        }
        return models;
    }

    private async Task<FactorModel?> LoadWhereAsync(string where, long? version, CancellationToken cancellationToken)
    {
        await using var command = database.DataSource.CreateCommand($"SELECT artifact FROM models {where}");
        if (version is { } v) command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = v });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
        using var artifact = new MemoryStream(await reader.GetFieldValueAsync<byte[]>(0, cancellationToken).ConfigureAwait(false), writable: false);
        return FactorModelSerializer.Read(artifact);
    }
}
