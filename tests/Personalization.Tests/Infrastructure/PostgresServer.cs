using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Personalization.Tests.Infrastructure;

/// <summary>
/// A real, throwaway PostgreSQL 15 server for the test run: a fresh cluster (initdb) in a temporary folder,
/// listening on a free loopback port, stopped (<c>pg_ctl stop -m immediate</c>) and deleted on dispose.
/// Run as root, the server runs as the <c>postgres</c> user (PostgreSQL refuses root) via <c>runuser</c>.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Where Debian's postgresql-15 puts its binaries.</summary>
    public const string BinDir = "/usr/lib/postgresql/15/bin";

    private readonly string _root;
    private readonly string _dataDir;
    private readonly bool _asRoot;
    private int _stopped;

    private PostgresServer(string root, bool asRoot, int port)
    {
        _root = root;
        _dataDir = Path.Combine(root, "data");
        _asRoot = asRoot;
        Port = port;
        ConnectionString = ConnectionStringFor("postgres");
    }

    /// <summary>The loopback port the server listens on.</summary>
    public int Port { get; }

    /// <summary>Connection string of the server's <c>postgres</c> database (superuser, trust authentication).</summary>
    public string ConnectionString { get; }

    /// <summary>Connection string of another database on this server.</summary>
    public string ConnectionStringFor(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Timeout = 30, CommandTimeout = 60,
    }.ToString();

    /// <summary>Creates a cluster in a temporary folder and starts it.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL 15 is not installed, or the server did not start.</exception>
    public static async Task<PostgresServer> StartAsync()
    {
        if (!File.Exists(Path.Combine(BinDir, "initdb")))
            throw new InvalidOperationException(
                $"PostgreSQL 15 is not installed ({BinDir}/initdb is missing): run scripts/install-deps.sh, which installs Debian's postgresql.");
        var asRoot = Environment.UserName == "root";
        // Short path: the Unix socket (DIR/.s.PGSQL.port) must fit in 107 bytes.
        var root = Path.Combine("/tmp", "pzpg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        try
        {
            if (asRoot) await RunAsync("chown", ["postgres:postgres", root], asPostgres: false);
            await RunAsync(Path.Combine(BinDir, "initdb"),
                ["-D", Path.Combine(root, "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"], asRoot);
            // A port taken between probing and binding fails the start: try a few.
            for (var attempt = 1; ; attempt++)
            {
                var server = new PostgresServer(root, asRoot, FreePort());
                try
                {
                    await server.PgCtlAsync("start", "-w", "-t", "60", "-l", Path.Combine(root, "server.log"), "-o",
                        $"-p {server.Port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200");
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 3)
                {
                }
            }
        }
        catch
        {
            TryDelete(root);
            throw;
        }
    }

    /// <summary>The server's processes: the postmaster (first line of <c>postmaster.pid</c>) and its children.</summary>
    public IReadOnlyList<int> ProcessIds()
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(_dataDir, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        return [postmaster, .. ProcessPause.ChildrenOf(postmaster)];
    }

    /// <summary>Creates an empty database <c>test_&lt;guid&gt;</c> and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionStringFor(name);
    }

    /// <summary>Drops a database created by <see cref="CreateDatabaseAsync"/>, closing its connections.</summary>
    public async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        try
        {
            PgCtlAsync("stop", "-m", "immediate", "-w").GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
            // Already gone; the folder is removed all the same.
        }
        TryDelete(_root);
    }

    private Task PgCtlAsync(params string[] arguments) =>
        RunAsync(Path.Combine(BinDir, "pg_ctl"), ["-D", _dataDir, .. arguments], _asRoot);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, bool asPostgres)
    {
        var start = new ProcessStartInfo(asPostgres ? "runuser" : file)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        if (asPostgres)
        {
            foreach (var argument in (string[])["-u", "postgres", "--", file]) start.ArgumentList.Add(argument);
        }
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}{await output}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void TryDelete(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>The PostgreSQL server shared by every test of <see cref="PostgresCollection"/>.</summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public PostgresServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await PostgresServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Server is not null) await Server.DisposeAsync();
    }
}

/// <summary>Collection of tests sharing <see cref="PostgresFixture"/>; each test creates its own database.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "postgres";
}
