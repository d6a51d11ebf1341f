using System.Net.Http.Json;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Cluster;

/// <summary>
/// A local cluster of separate processes: the development broker, a real PostgreSQL, a real Redis (Orleans'
/// membership store), and three silos.
/// The first silo imports a small synthetic data set and trains; the others find the model in the store.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    private readonly List<SiloProcess> _silos = [];

    /// <summary>Folder of the processes' logs.</summary>
    public string LogDir { get; } = Path.Combine(Path.GetTempPath(), "personalization-cluster", Guid.NewGuid().ToString("N")[..8]);

    /// <summary>The PostgreSQL server.</summary>
    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>The membership store.</summary>
    public RedisServer Redis { get; private set; } = null!;

    /// <summary>The broker.</summary>
    public BrokerProcess Broker { get; private set; } = null!;

    /// <summary>The silos started so far.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>Arguments every silo gets.</summary>
    public string[] CommonArgs { get; private set; } = [];

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        var connectionString = await Postgres.CreateDatabaseAsync();
        Redis = await RedisServer.StartAsync();
        Broker = await BrokerProcess.StartAsync(LogDir);
        CommonArgs =
        [
            "--kafka", Broker.BootstrapServers, "--Storage:Postgres=" + connectionString,
            "--Cluster:Redis=" + Redis.Endpoint, "--Cluster:ClusterId=test-" + Guid.NewGuid().ToString("N")[..8], "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0",
            "--Bootstrap:Synthetic:Users=300", "--Bootstrap:Synthetic:Items=2000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
            "--Training:Factors=16", "--Training:Iterations=4", "--Logging:LogLevel:Default=Warning",
        ];
        _silos.Add(await SiloProcess.StartAsync("silo-1", LogDir, CommonArgs));
        var others = await Task.WhenAll(StartAsync("silo-2"), StartAsync("silo-3"));
        _silos.AddRange(others);
        await WaitForAsync(v => v.Silos.Count(s => s.Status == "alive") == 3 && Balanced(v, 3), TimeSpan.FromSeconds(60), "3 silos sharing the partitions");
    }

    /// <summary>Starts another silo that joins the cluster.</summary>
    public async Task<SiloProcess> AddSiloAsync(string name)
    {
        var silo = await StartAsync(name);
        _silos.Add(silo);
        return silo;
    }

    private Task<SiloProcess> StartAsync(string name) =>
        SiloProcess.StartAsync(name, LogDir, [.. CommonArgs, "--Bootstrap:ImportWhenEmpty=false", "--Bootstrap:TrainWhenNoModel=false"]);

    /// <summary>The cluster as one running silo sees it.</summary>
    public async Task<ClusterView> ViewAsync()
    {
        var silo = _silos.First(s => s.IsRunning);
        return (await silo.Client.Http.GetFromJsonAsync<ClusterView>("v1/cluster"))!;
    }

    /// <summary>Polls the cluster view until <paramref name="condition"/> holds.</summary>
    public Task<ClusterView> WaitForAsync(Func<ClusterView, bool> condition, TimeSpan timeout, string what) =>
        TestSilo.EventuallyAsync(ViewAsync, condition, timeout, what);

    /// <summary>True when no partition is unowned and each of <paramref name="silos"/> live silos owns some of every topic.</summary>
    public static bool Balanced(ClusterView view, int silos) =>
        view.UnownedPartitions.Values.All(p => p.Length == 0) &&
        view.Silos.Where(s => s.Status == "alive").All(s => s.Partitions.Values.All(p => p.Length > 0)) &&
        view.Silos.Count(s => s.Status == "alive") == silos;

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var silo in _silos) await silo.DisposeAsync();
        if (Broker is not null) await Broker.DisposeAsync();
        if (Redis is not null) await Redis.DisposeAsync();
        if (Postgres is not null) await Postgres.DisposeAsync();
    }
}

/// <summary>The multi-process tests run alone: they load both cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    /// <summary>Collection name.</summary>
    public const string Name = "cluster";
}
