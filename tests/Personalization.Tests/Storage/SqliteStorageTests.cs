using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Storage;
using Xunit.Abstractions;

namespace Personalization.Tests.Storage;

/// <summary>The conformance suite on the embedded SQLite store, one database folder per test.</summary>
public sealed class SqliteStorageTests(ITestOutputHelper output) : StorageConformanceTests(output)
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "pz-sqlite-" + Guid.NewGuid().ToString("N"));

    /// <inheritdoc />
    protected override string Provider => "SQLite";

    /// <inheritdoc />
    protected override Task CreateStoreAsync() => Task.CompletedTask;

    /// <inheritdoc />
    protected override void AddStorage(IServiceCollection services) => services.AddSqliteStorage(_dataDir);

    /// <inheritdoc />
    protected override Task DeleteStoreAsync()
    {
        var file = Path.Combine(_dataDir, "personalization.db");
        if (File.Exists(file))
        {
            // Close this database's pooled connections (only this one: other tests use SQLite in parallel).
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.GetFullPath(file), Pooling = true, DefaultTimeout = 30 }.ToString());
            SqliteConnection.ClearPool(connection);
        }
        if (Directory.Exists(_dataDir)) Directory.Delete(_dataDir, recursive: true);
        return Task.CompletedTask;
    }
}
