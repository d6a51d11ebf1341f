using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Personalization.Storage;
using Personalization.Storage.Postgres;
using Personalization.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Personalization.Tests.Storage;

/// <summary>The conformance suite on PostgreSQL (a real server for the run, a fresh database per test), plus its migration.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresStorageTests(PostgresFixture fixture, ITestOutputHelper output) : StorageConformanceTests(output)
{
    private string _connectionString = null!;

    /// <inheritdoc />
    protected override string Provider => "PostgreSQL";

    /// <inheritdoc />
    protected override async Task CreateStoreAsync() => _connectionString = await fixture.Server.CreateDatabaseAsync();

    /// <inheritdoc />
    protected override void AddStorage(IServiceCollection services) => services.AddPostgresStorage(_connectionString);

    /// <inheritdoc />
    protected override Task DeleteStoreAsync() => fixture.Server.DropDatabaseAsync(_connectionString);

    [Fact]
    public async Task Silos_starting_at_once_migrate_the_schema_once()
    {
        var connectionString = await fixture.Server.CreateDatabaseAsync();
        try
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var starts = Enumerable.Range(0, 6).Select(_ => Task.Run(async () =>
            {
                await gate.Task;
                return new PostgresDatabase(connectionString);
            })).ToList();
            gate.SetResult();
            var databases = await Task.WhenAll(starts);
            try
            {
                foreach (var database in databases)
                    Assert.Equal(PostgresDatabase.SchemaVersion, await database.ReadSchemaVersionAsync(default));
                await using var command = databases[0].DataSource.CreateCommand("SELECT COUNT(*) FROM schema_version");
                Assert.Equal((long)PostgresDatabase.SchemaVersion, await command.ExecuteScalarAsync());

                // Every silo sees the others' writes through the shared schema.
                var grains = databases.Select(d => new PostgresGrainStateStore(d)).ToList();
                await grains[0].WriteAsync([new GrainStateWrite(new GrainKey("user", "shared"), [7], 0, null, 0)], default);
                Assert.Equal([7], (await grains[5].ReadAsync(new GrainKey("user", "shared"), default))!.Payload);

                // Starting again on a current schema changes nothing.
                await using (var again = new PostgresDatabase(connectionString))
                    Assert.Equal(PostgresDatabase.SchemaVersion, await again.ReadSchemaVersionAsync(default));
                Assert.Equal((long)PostgresDatabase.SchemaVersion, await command.ExecuteScalarAsync());
                Assert.Equal([7], (await grains[1].ReadAsync(new GrainKey("user", "shared"), default))!.Payload);
            }
            finally
            {
                foreach (var database in databases) await database.DisposeAsync();
            }
        }
        finally
        {
            await fixture.Server.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public async Task A_schema_newer_than_the_build_is_refused()
    {
        var connectionString = await fixture.Server.CreateDatabaseAsync();
        try
        {
            await using (var database = new PostgresDatabase(connectionString))
            await using (var bump = database.DataSource.CreateCommand("INSERT INTO schema_version VALUES (1000, 0)"))
                await bump.ExecuteNonQueryAsync();
            var refused = Assert.Throws<InvalidOperationException>(() => new PostgresDatabase(connectionString));
            Assert.Contains("1000", refused.Message);
        }
        finally
        {
            await fixture.Server.DropDatabaseAsync(connectionString);
        }
    }

    [Fact]
    public void An_unreachable_server_fails_at_start()
    {
        var builder = new NpgsqlConnectionStringBuilder(fixture.Server.ConnectionString) { Port = 1, Timeout = 2 };
        Assert.ThrowsAny<NpgsqlException>(() => new PostgresDatabase(builder.ToString()));
    }
}
