using System.Diagnostics;
using System.Runtime.InteropServices;
using Npgsql;
using Personalization.ClusterBench;
using Personalization.Streaming.Kafka;
using Personalization.Storage.Postgres;
using static Personalization.ClusterBench.ClusterRun;

// One run, so the ratios compare figures measured on the same machine minutes apart:
//   1. the events pre-produced to `interactions`, read back by a raw consumer (the baseline);
//   2. the same events through 1 silo, then 3 silos (fresh database and consumer group each), measured
//      from the first record sent to the group's committed offsets at the end of every partition;
//   3. kill -9 of one of the 3 silos, time until the 2 survivors own every partition (rounds).
// `partitions` instead simulates the partition assignment of clusters up to 400 silos (PartitionSimulation).
if (args is ["partitions"])
{
    PartitionSimulation.Run(Console.Out);
    return 0;
}
Options options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(Options.Usage);
        return 0;
    }
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
var token = cancel.Token;
var startedAt = DateTimeOffset.Now;
var total = Stopwatch.StartNew();

BrokerProcess? broker = null;
KafkaTools? kafka = null;
ClusterRun? run = null;
try
{
    var repo = SiloBinary.FindRepo(options.Repo);
    var dll = SiloBinary.DllIn(repo);
    Directory.CreateDirectory(options.LogDir);
    Progress($"logs in {options.LogDir}");

    // PostgreSQL: its version, and its processes (the postmaster behind our backend and its children) for CPU accounting.
    string postgresVersion;
    IReadOnlyList<int> postgresProcesses;
    await using (var connection = new NpgsqlConnection(options.Postgres))
    {
        await connection.OpenAsync(token);
        await using var command = new NpgsqlCommand("SELECT version(), pg_backend_pid()", connection);
        await using var reader = await command.ExecuteReaderAsync(token);
        await reader.ReadAsync(token);
        var version = reader.GetString(0);
        postgresVersion = version.Contains(" on ", StringComparison.Ordinal) ? version[..version.IndexOf(" on ", StringComparison.Ordinal)] : version;
        postgresProcesses = CpuMeter.PostgresProcesses(reader.GetInt32(1));
    }
    if (postgresProcesses.Count == 0) Progress("PostgreSQL runs elsewhere (its processes are not visible): its CPU is not accounted");

    broker = await BrokerProcess.StartAsync(dll, options.LogDir);
    Progress($"broker at {broker.BootstrapServers} (pid {broker.Pid})");
    kafka = new KafkaTools(broker.BootstrapServers);
    var machine = MachineInfo.Current(Confluent.Kafka.Library.VersionString, postgresVersion);
    run = new ClusterRun(options, dll, broker, kafka, postgresProcesses);

    var events = KafkaTools.Generate(options.Events, options.Users, options.Items, options.Seed);
    Progress($"{events.Length:N0} plays of u1..u{options.Users} on i1..i{options.Items}, {events.Average(e => e.Value.Length):F0} bytes of JSON each");

    // 1. Pre-produce, then the raw consumer reads them back from the beginning.
    var produceSeconds = await kafka.ProduceAsync(events, token);
    var preProduce = new ProduceResult(events.Length, Math.Round(produceSeconds, 3), Math.Round(events.Length / produceSeconds, 1));
    Progress($"pre-produced {events.Length:N0} events in {produceSeconds:F2} s ({preProduce.EventsPerSecond:N0} events/s acknowledged)");
    // Each read is short (well under a second): repeat it, each time in a new group, and keep the median.
    var rawRuns = new List<RawConsumerResult>();
    for (var i = 0; i < options.RawRuns; i++)
    {
        var r = kafka.ConsumeRaw(events.Length, TimeSpan.FromMinutes(2), () => run.Cpu([]), token);
        rawRuns.Add(r);
        Progress($"raw consumer {i + 1}/{options.RawRuns}: {r.Events:N0} records deserialized in {r.Seconds:F3} s ({r.EventsPerSecond:N0} events/s; {r.SecondsFromSubscribe:F2} s including the group join)");
    }
    var raw = rawRuns.OrderBy(r => r.EventsPerSecond).ElementAt(rawRuns.Count / 2);

    // 2. One silo, then three: a fresh database and consumer group each, events produced once the cluster is balanced.
    var throughput = new List<ThroughputResult>();
    var (one, oneBalanced) = await run.StartClusterAsync("s1", 1, "bench-1silo", token);
    await Task.Delay(2_000, token); // let the start-up settle (model swap, first heartbeats)
    for (var round = 1; round <= options.ThroughputRounds; round++)
        throughput.Add(await run.MeasureAsync("1 silo", round, one, "bench-1silo", oneBalanced, events, raw.EventsPerSecond, token));
    await run.StopAsync(one);

    var (three, threeBalanced) = await run.StartClusterAsync("s3", 3, "bench-3silo", token);
    await Task.Delay(2_000, token);
    for (var round = 1; round <= options.ThroughputRounds; round++)
        throughput.Add(await run.MeasureAsync("3 silos", round, three, "bench-3silo", threeBalanced, events, raw.EventsPerSecond, token));

    // 3. Failover on the 3-silo cluster.
    FailoverResult? failover = null;
    if (options.FailoverRounds > 0)
    {
        var rounds = new List<FailoverRound>();
        for (var round = 0; round < options.FailoverRounds; round++)
            rounds.Add(await run.FailoverAsync(round, $"s3-{4 + round}", token));
        static double Median(IEnumerable<double> values)
        {
            var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
        failover = new FailoverResult([.. rounds], Median(rounds.Select(r => r.RecoveredSeconds)), Median(rounds.Select(r => r.VictimDeadSeconds)),
            Median(rounds.Select(r => r.ReassignedSeconds)));
    }

    var kafkaDefaults = new KafkaOptions();
    var settings = new Dictionary<string, object>
    {
        ["events"] = options.Events,
        ["users"] = options.Users,
        ["items"] = options.Items,
        ["seed"] = options.Seed,
        ["rawRuns"] = options.RawRuns,
        ["throughputRounds"] = options.ThroughputRounds,
        ["importUsers"] = options.ImportUsers,
        ["factors"] = options.Factors,
        ["iterations"] = options.Iterations,
        ["partitions"] = kafka.Partitions,
        ["kafka.sessionTimeoutMs"] = kafkaDefaults.SessionTimeoutMs,
        ["kafka.heartbeatIntervalMs"] = Math.Max(500, kafkaDefaults.SessionTimeoutMs / 5),
        ["kafka.assignmentStrategy"] = kafkaDefaults.AssignmentStrategy,
        ["kafka.checkpointInterval"] = kafkaDefaults.CheckpointInterval.ToString(),
        ["kafka.fetchWaitMaxMs"] = kafkaDefaults.FetchWaitMaxMs,
        ["kafka.maxInFlight"] = kafkaDefaults.MaxInFlight,
        ["cluster.membership"] = "orleans (probe timeout 2 s, 2 missed probes)",
        ["postgres.maxPoolSizePerSilo"] = PostgresDatabase.DefaultMaxPoolSize,
        ["producer"] = "EventProducer: acks=all, idempotent, linger 1 ms, murmur2(userId) % partitions, ≤ 10,000 unacknowledged",
        ["pollIntervalMs"] = 50,
    };
    var report = new ClusterReport(startedAt, Math.Round(total.Elapsed.TotalSeconds, 1), machine, ["Personalization.ClusterBench", .. args.Select(Mask)], settings,
        [.. options.SiloArguments], preProduce, raw, [.. rawRuns], [.. throughput], failover, options.LogDir);
    await report.WriteJsonAsync(options.Out);
    Console.WriteLine(report.ToMarkdown());
    Progress($"JSON report: {options.Out}; total {total.Elapsed.TotalSeconds:F0} s");
    return 0;
}
catch (OperationCanceledException) when (token.IsCancellationRequested)
{
    Progress("cancelled");
    return 130;
}
catch (Exception ex)
{
    Progress($"failed: {ex.Message}");
    Console.Error.WriteLine(ex);
    Progress($"logs in {options.LogDir}");
    return 1;
}
finally
{
    if (run is not null) await run.DisposeAsync();
    kafka?.Dispose();
    if (broker is not null) await broker.DisposeAsync();
}

// A password in the connection string stays out of the report.
static string Mask(string arg) =>
    arg.Contains("Password=", StringComparison.OrdinalIgnoreCase)
        ? string.Join(';', arg.Split(';').Select(p => p.TrimStart().StartsWith("Password=", StringComparison.OrdinalIgnoreCase) ? "Password=***" : p))
        : arg;
