using System.Diagnostics;
using Npgsql;
using Personalization.Grains;
using Personalization.Streaming.Kafka;

namespace Personalization.ClusterBench;

/// <summary>
/// The processes of one benchmark run (a broker, silos, a PostgreSQL server given by connection string)
/// and the measurements made on them.
/// </summary>
public sealed class ClusterRun(Options options, string siloDll, BrokerProcess broker, KafkaTools kafka, IReadOnlyList<int> postgresProcesses) : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan BalanceTimeout = TimeSpan.FromSeconds(90);
    private readonly List<SiloProcess> _silos = [];
    private readonly List<string> _databases = [];
    private string[] _clusterArgs = [];

    /// <summary>Writes a progress line to stderr.</summary>
    public static void Progress(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

    /// <summary>Silos started and still running.</summary>
    public IReadOnlyList<SiloProcess> Running
    {
        get
        {
            lock (_silos) return _silos.Where(s => s.IsRunning).ToList();
        }
    }

    /// <summary>Creates an empty database on the server and returns its connection string (the silos create the schema).</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(options.Postgres);
        await connection.OpenAsync(cancellationToken);
        await using (var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection)) await drop.ExecuteNonQueryAsync(cancellationToken);
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection)) await create.ExecuteNonQueryAsync(cancellationToken);
        _databases.Add(name);
        return new NpgsqlConnectionStringBuilder(options.Postgres) { Database = name }.ConnectionString;
    }

    /// <summary>
    /// Starts a cluster of <paramref name="count"/> silos on a fresh database with its own consumer groups:
    /// the first imports the small synthetic data set and trains, the others join once it serves (in
    /// parallel); returns when the cluster view shows them balanced. The groups are first positioned at the
    /// end of both grain topics, so the silos start with nothing to catch up on.
    /// </summary>
    public async Task<(List<SiloProcess> Silos, double BalancedSeconds)> StartClusterAsync(string prefix, int count, string groupId, CancellationToken cancellationToken)
    {
        var database = await CreateDatabaseAsync($"bench_{groupId.Replace('-', '_')}_{DateTime.UtcNow:yyyyMMddHHmmss}", cancellationToken);
        foreach (var topic in new[] { StreamTopics.Interactions, StreamTopics.ItemEvents })
        {
            using var group = kafka.Group($"{groupId}.{topic}");
            group.Commit(kafka.PartitionsOf(topic), kafka.EndOffsets(topic));
        }
        _clusterArgs =
        [
            "--kafka", broker.BootstrapServers, "--Storage:Postgres=" + database, "--Kafka:GroupId=" + groupId,
            // One Orleans cluster per phase (membership in the Redis the script started), on free ports.
            "--Cluster:ClusterId=" + groupId, "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0",
            $"--Bootstrap:Synthetic:Users={options.ImportUsers}", $"--Bootstrap:Synthetic:Items={options.Items}",
            $"--Training:Factors={options.Factors}", $"--Training:Iterations={options.Iterations}", "--Logging:LogLevel:Default=Warning",
            .. options.SiloArguments,
        ];
        var clock = Stopwatch.StartNew();
        var silos = new List<SiloProcess>();
        Progress($"{prefix}-1: starting (imports {options.ImportUsers} synthetic users × {options.Items} items, trains {options.Factors} factors × {options.Iterations} iterations)");
        silos.Add(await StartSiloAsync($"{prefix}-1", joiner: false, cancellationToken));
        Progress($"{prefix}-1: serving after {silos[0].StartupSeconds:F1} s");
        if (count > 1)
        {
            var others = await Task.WhenAll(Enumerable.Range(2, count - 1).Select(i => StartSiloAsync($"{prefix}-{i}", joiner: true, cancellationToken)));
            silos.AddRange(others);
            Progress($"{string.Join(", ", others.Select(s => $"{s.Name} serving after {s.StartupSeconds:F1} s"))}");
        }
        await WaitBalancedAsync(silos[0], count, cancellationToken);
        Progress($"{count} silo(s) balanced {clock.Elapsed.TotalSeconds:F1} s after the first started");
        return (silos, clock.Elapsed.TotalSeconds);
    }

    private async Task<SiloProcess> StartSiloAsync(string name, bool joiner, CancellationToken cancellationToken)
    {
        string[] args = joiner ? [.. _clusterArgs, "--Bootstrap:ImportWhenEmpty=false", "--Bootstrap:TrainWhenNoModel=false"] : _clusterArgs;
        var silo = await SiloProcess.StartAsync(siloDll, name, options.LogDir, args, StartTimeout, cancellationToken);
        lock (_silos) _silos.Add(silo);
        return silo;
    }

    /// <summary>Starts one more silo that joins the last cluster started (no import, no training).</summary>
    public Task<SiloProcess> AddSiloAsync(string name, CancellationToken cancellationToken) => StartSiloAsync(name, joiner: true, cancellationToken);

    /// <summary>Polls <paramref name="observer"/>'s cluster view until <paramref name="count"/> alive silos own every partition.</summary>
    public static async Task<ClusterView> WaitBalancedAsync(SiloProcess observer, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        ClusterView? last = null;
        while (clock.Elapsed < BalanceTimeout)
        {
            try
            {
                last = await observer.ViewAsync(cancellationToken);
                if (last.Balanced(count)) return last;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200, cancellationToken);
        }
        throw new TimeoutException($"{count} silos were not balanced within {BalanceTimeout.TotalSeconds:F0} s; last view: " +
            (last is null ? "none" : string.Join("; ", last.Silos.Select(s => $"{s.Id} {s.Status} {string.Join(" ", s.Partitions.Select(p => $"{p.Key}:[{string.Join(',', p.Value)}]"))}"))
                + $"; unowned {string.Join(" ", last.UnownedPartitions.Select(p => $"{p.Key}:[{string.Join(',', p.Value)}]"))}"));
    }

    /// <summary>CPU reading of the machine, the bench, the broker, the given silos and PostgreSQL.</summary>
    public CpuMeter.Sample Cpu(IEnumerable<SiloProcess> silos)
    {
        var roles = new Dictionary<string, IReadOnlyList<int>>(StringComparer.Ordinal)
        {
            ["broker"] = [broker.Pid],
            ["postgres"] = CpuMeter.Refresh(postgresProcesses),
        };
        foreach (var silo in silos) roles["silo " + silo.Name] = [silo.Pid];
        return CpuMeter.Read(roles);
    }

    /// <summary>
    /// Produces the events to <c>interactions</c> while the (idle, balanced) silos consume, and measures from the
    /// first record sent until the group's committed offsets reach the end of every partition of
    /// <c>interactions</c>, then of <c>item-events</c>. Committed offsets are read with
    /// <c>Committed()</c> of the groups <c>{GroupId}.{topic}</c>, every 50 ms.
    /// </summary>
    public async Task<ThroughputResult> MeasureAsync(string name, int round, IReadOnlyList<SiloProcess> silos, string groupId, double balancedSeconds,
        IReadOnlyList<EncodedEvent> events, double rawEventsPerSecond, CancellationToken cancellationToken)
    {
        name = $"{name}, round {round}";
        var interactions = kafka.PartitionsOf(StreamTopics.Interactions);
        var itemEvents = kafka.PartitionsOf(StreamTopics.ItemEvents);
        using var interactionsGroup = kafka.Group($"{groupId}.{StreamTopics.Interactions}");
        using var itemsGroup = kafka.Group($"{groupId}.{StreamTopics.ItemEvents}");

        // Where every partition will end: its end now plus this phase's events (the gateway's murmur2 partition).
        var start = kafka.EndOffsets(StreamTopics.Interactions);
        var committedBefore = interactionsGroup.Committed(interactions);
        if (!committedBefore.SequenceEqual(start))
            throw new InvalidOperationException($"{groupId} is not at the end of interactions before the phase: committed [{string.Join(',', committedBefore)}], end [{string.Join(',', start)}].");
        var itemsStart = kafka.EndOffsets(StreamTopics.ItemEvents);
        var target = (long[])start.Clone();
        foreach (var e in events) target[Murmur2Partitioner.Partition(e.Key, kafka.Partitions)]++;

        Progress($"{name}: producing {events.Count:N0} events while {silos.Count} silo(s) consume");
        var cpuStart = Cpu(silos);
        var t0 = Stopwatch.GetTimestamp();
        var produce = kafka.ProduceAsync(events, cancellationToken);

        var progress = new List<double[]>();
        var deadline = TimeSpan.FromSeconds(options.PhaseTimeoutSeconds);
        long lastDone = -1;
        double committedSeconds;
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while (true)
            {
                var committed = interactionsGroup.Committed(interactions);
                var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                var done = committed.Select((c, p) => c - start[p]).Sum();
                if (done != lastDone)
                {
                    progress.Add([Math.Round(elapsed, 3), done]);
                    lastDone = done;
                }
                if (produce.IsCompleted && committed.Select((c, p) => c >= target[p]).All(x => x))
                {
                    committedSeconds = elapsed;
                    break;
                }
                if (produce.IsFaulted) await produce; // surfaces the producer's error
                if (elapsed > deadline.TotalSeconds)
                    throw new TimeoutException($"{name}: {done:N0} of {events.Count:N0} events committed after {elapsed:F0} s; committed [{string.Join(',', committed)}], target [{string.Join(',', target)}].");
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        var cpu = CpuMeter.Between(cpuStart, Cpu(silos));
        var produceSeconds = await produce;
        var end = kafka.EndOffsets(StreamTopics.Interactions);
        if (!end.SequenceEqual(target))
            throw new InvalidOperationException($"interactions ends at [{string.Join(',', end)}], expected [{string.Join(',', target)}] (murmur2 partitions disagree?).");
        Progress($"{name}: all {events.Count:N0} committed on interactions after {committedSeconds:F2} s ({events.Count / committedSeconds:N0} events/s; produced in {produceSeconds:F2} s)");

        // Every copy on item-events was acknowledged before its source offset was committed: the end is final now.
        var itemsTarget = kafka.EndOffsets(StreamTopics.ItemEvents);
        var copies = itemsTarget.Sum() - itemsStart.Sum();
        double itemsSeconds;
        while (true)
        {
            var committed = itemsGroup.Committed(itemEvents);
            var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            if (committed.Select((c, p) => c >= itemsTarget[p]).All(x => x))
            {
                itemsSeconds = elapsed;
                break;
            }
            if (elapsed > deadline.TotalSeconds)
                throw new TimeoutException($"{name}: item-events not committed after {elapsed:F0} s; committed [{string.Join(',', committed)}], end [{string.Join(',', itemsTarget)}].");
            await Task.Delay(50, cancellationToken);
        }
        Progress($"{name}: {copies:N0} item copies committed on item-events after {itemsSeconds:F2} s");

        var firstCommit = progress.FirstOrDefault(p => p[1] > 0)?[0] ?? double.NaN;
        var rate = events.Count / committedSeconds;
        return new ThroughputResult(name, silos.Count, round, groupId, events.Count, Math.Round(produceSeconds, 3), Math.Round(committedSeconds, 3), Math.Round(rate, 1),
            Math.Round(rate / rawEventsPerSecond, 5), Math.Round(cpu.MachineBusySeconds * 10_000 / events.Count, 3), Math.Round(firstCommit, 3), Math.Round(itemsSeconds, 3), copies,
            silos.ToDictionary(s => s.Name, s => Math.Round(s.StartupSeconds, 2)), Math.Round(balancedSeconds, 2), cpu, [.. progress]);
    }

    /// <summary>
    /// kill -9 of one of three balanced silos; polls a survivor's <c>GET /v1/cluster</c> every 50 ms until two
    /// alive silos own every partition; then starts a replacement and waits for three balanced silos.
    /// </summary>
    public async Task<FailoverRound> FailoverAsync(int round, string replacementName, CancellationToken cancellationToken)
    {
        var running = Running;
        if (running.Count != 3) throw new InvalidOperationException($"Failover needs 3 running silos, not {running.Count}.");
        var victim = running[round % 3];
        var observer = running[(round + 1) % 3];
        await WaitBalancedAsync(observer, 3, cancellationToken);

        var t0 = Stopwatch.GetTimestamp();
        victim.Kill();
        double dead = double.NaN, reassigned = double.NaN, recovered;
        var topics = (await observer.ViewAsync(cancellationToken)).UnownedPartitions.Keys.ToList();
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50)))
        {
            while (true)
            {
                ClusterView? view = null;
                try
                {
                    view = await observer.ViewAsync(cancellationToken);
                }
                catch (HttpRequestException)
                {
                }
                var elapsed = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                if (view is not null)
                {
                    var victimAlive = view.Alive.Any(s => s.Id == victim.Name);
                    if (!victimAlive && double.IsNaN(dead)) dead = elapsed;
                    var survivors = view.Alive.Where(s => s.Id != victim.Name).ToList();
                    var covered = topics.All(t => survivors.SelectMany(s => s.Partitions.GetValueOrDefault(t) ?? []).Distinct().Count() == kafka.Partitions);
                    if (covered && double.IsNaN(reassigned)) reassigned = elapsed;
                    if (!victimAlive && view.Balanced(2))
                    {
                        recovered = elapsed;
                        break;
                    }
                }
                if (elapsed > 90) throw new TimeoutException($"Round {round + 1}: the survivors did not own every partition within 90 s of killing {victim.Name}.");
                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        Progress($"round {round + 1}: killed {victim.Name}; dead in {observer.Name}'s view after {dead:F2} s, survivors claim all after {reassigned:F2} s, recovered after {recovered:F2} s");

        var replacement = await AddSiloAsync(replacementName, cancellationToken);
        var rebalance = Stopwatch.StartNew();
        await WaitBalancedAsync(observer, 3, cancellationToken);
        Progress($"round {round + 1}: {replacement.Name} serving after {replacement.StartupSeconds:F1} s, balanced {rebalance.Elapsed.TotalSeconds:F1} s later");
        return new FailoverRound(round + 1, victim.Name, observer.Name, Math.Round(dead, 3), Math.Round(reassigned, 3), Math.Round(recovered, 3),
            Math.Round(replacement.StartupSeconds, 2), Math.Round(rebalance.Elapsed.TotalSeconds, 2));
    }

    /// <summary>Stops silos gracefully (SIGTERM: drain, checkpoint, leave), in parallel.</summary>
    public async Task StopAsync(IEnumerable<SiloProcess> silos)
    {
        var list = silos.ToList();
        await Task.WhenAll(list.Select(s => s.StopAsync(TimeSpan.FromSeconds(30))));
        foreach (var silo in list) await silo.DisposeAsync();
        lock (_silos) _silos.RemoveAll(list.Contains);
    }

    /// <summary>Stops every silo and drops the databases (unless kept).</summary>
    public async ValueTask DisposeAsync()
    {
        List<SiloProcess> left;
        lock (_silos) left = [.. _silos];
        await StopAsync(left);
        if (options.KeepDatabases || _databases.Count == 0) return;
        try
        {
            await using var connection = new NpgsqlConnection(options.Postgres);
            await connection.OpenAsync();
            foreach (var name in _databases)
            {
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
                await drop.ExecuteNonQueryAsync();
            }
        }
        catch (NpgsqlException ex)
        {
            Progress($"could not drop the benchmark databases: {ex.Message}");
        }
    }
}
