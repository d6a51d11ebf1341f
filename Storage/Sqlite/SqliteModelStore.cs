using System.Text.Json;
using Dapper;
using Personalization.Recommender;

namespace Personalization.Storage.Sqlite;

/// <summary>The model registry in SQLite: metadata in columns, factors as a binary artifact.</summary>
public sealed class SqliteModelStore(SqliteDatabase database) : IModelStore
{
    /// <inheritdoc />
    public async Task<long> NextVersionAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        return 1 + await connection.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COALESCE(MAX(version), 0) FROM models", cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async Task PublishAsync(FactorModel model, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        FactorModelSerializer.Write(model, buffer);
        await using var connection = database.Open();
        await connection.ExecuteAsync(new CommandDefinition(
            "INSERT INTO models (version, trained_at_ms, data_cutoff_ms, metrics, artifact) VALUES (@Version, @TrainedAt, @Cutoff, @Metrics, @Artifact)",
            new
            {
                model.Version, TrainedAt = model.TrainedAt.ToUnixTimeMilliseconds(), Cutoff = model.DataCutoff.ToUnixTimeMilliseconds(),
                Metrics = JsonSerializer.Serialize(model.Metrics), Artifact = buffer.ToArray(),
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<FactorModel?> LoadAsync(long version, CancellationToken cancellationToken) =>
        LoadWhereAsync("WHERE version = @version", new { version }, cancellationToken);

    /// <inheritdoc />
    public Task<FactorModel?> LoadLatestAsync(CancellationToken cancellationToken) =>
        LoadWhereAsync("ORDER BY version DESC LIMIT 1", null, cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<ModelInfo>> ListAsync(CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var rows = await connection.QueryAsync<(long Version, long TrainedAt, long Cutoff, string Metrics)>(new CommandDefinition(
            "SELECT version, trained_at_ms, data_cutoff_ms, metrics FROM models ORDER BY version DESC", cancellationToken: cancellationToken)).ConfigureAwait(false);
        return rows.Select(r => new ModelInfo(r.Version, DateTimeOffset.FromUnixTimeMilliseconds(r.TrainedAt), DateTimeOffset.FromUnixTimeMilliseconds(r.Cutoff),
            JsonSerializer.Deserialize<Dictionary<string, double>>(r.Metrics) ?? [])).ToList();
    }

    private async Task<FactorModel?> LoadWhereAsync(string where, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = database.Open();
        var artifact = await connection.ExecuteScalarAsync<byte[]?>(new CommandDefinition(
            $"SELECT artifact FROM models {where}", parameters, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (artifact is null) return null;
        using var stream = new MemoryStream(artifact, writable: false);
        return FactorModelSerializer.Read(stream);
    }
}
