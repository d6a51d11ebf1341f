using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Personalization.ClusterBench;

/// <summary>The machine a run was measured on.</summary>
public sealed record MachineInfo(string Cpu, int LogicalCores, double MemoryGiB, string Os, string Kernel, string Runtime, string Librdkafka, string Postgres)
{
    /// <summary>This machine.</summary>
    public static MachineInfo Current(string librdkafka, string postgres)
    {
        static string? Field(string file, string key, char separator) => File.Exists(file)
            ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(separator, 2)[1].Trim().Trim('"')
            : null;
        var memKb = Field("/proc/meminfo", "MemTotal", ':')?.Split(' ')[0];
        return new MachineInfo(
            Field("/proc/cpuinfo", "model name", ':') ?? "unknown",
            Environment.ProcessorCount,
            memKb is null ? 0 : Math.Round(double.Parse(memKb, CultureInfo.InvariantCulture) / 1024 / 1024, 1),
            Field("/etc/os-release", "PRETTY_NAME", '=') ?? RuntimeInformation.OSDescription,
            File.Exists("/proc/sys/kernel/osrelease") ? "Linux " + File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            librdkafka,
            postgres);
    }
}

/// <summary>Producing the events of a phase.</summary>
/// <param name="Events">Events produced.</param>
/// <param name="Seconds">First send to last acknowledgement.</param>
/// <param name="EventsPerSecond">Acknowledged events per second.</param>
public sealed record ProduceResult(int Events, double Seconds, double EventsPerSecond);

/// <summary>Events through a cluster of silos.</summary>
/// <param name="Name">Run name.</param>
/// <param name="Silos">Silo processes.</param>
/// <param name="Round">1: the grains are cold (first event of every user and item since the silos started); 2 and on: warm.</param>
/// <param name="GroupId">Kafka:GroupId of the silos (groups <c>{GroupId}.interactions</c>, <c>{GroupId}.item-events</c>).</param>
/// <param name="Events">Events produced after the silos served and were balanced.</param>
/// <param name="ProduceSeconds">First record sent to last acknowledged (the producer runs while the silos consume).</param>
/// <param name="CommittedSeconds">First record sent to every partition of <c>interactions</c> committed at its end: applied by the user grains, grain state and history written, item copies acknowledged.</param>
/// <param name="EventsPerSecond">Events / <paramref name="CommittedSeconds"/>.</param>
/// <param name="VsRawConsumer">Events per second relative to the raw consumer.</param>
/// <param name="MachineCpuSecondsPer10kEvents">Non-idle CPU seconds of the whole machine per 10,000 events (broker, PostgreSQL, silos and the bench's producer).</param>
/// <param name="FirstCommitSeconds">First record sent to the first offset commit on <c>interactions</c> (a checkpoint runs every second).</param>
/// <param name="ItemEventsCommittedSeconds">First record sent to every partition of <c>item-events</c> committed at its end (the item grains applied the copies too).</param>
/// <param name="ItemCopies">Records added to <c>item-events</c> (one copy per event when nothing was replayed).</param>
/// <param name="SiloStartupSeconds">Process start to <c>/healthz</c> 200, per silo (the first imports and trains).</param>
/// <param name="BalancedSeconds">Start of the first silo until the cluster view was balanced.</param>
/// <param name="Cpu">CPU use from the first record sent to all committed on <c>interactions</c>.</param>
/// <param name="Progress">(seconds since the first record sent, events committed on <c>interactions</c>), sampled.</param>
public sealed record ThroughputResult(
    string Name, int Silos, int Round, string GroupId, int Events, double ProduceSeconds, double CommittedSeconds, double EventsPerSecond,
    double VsRawConsumer, double MachineCpuSecondsPer10kEvents, double FirstCommitSeconds, double ItemEventsCommittedSeconds, long ItemCopies, Dictionary<string, double> SiloStartupSeconds, double BalancedSeconds,
    CpuUsage Cpu, double[][] Progress);

/// <summary>One kill -9.</summary>
/// <param name="Round">1-based.</param>
/// <param name="Victim">The silo killed.</param>
/// <param name="Observer">The survivor whose <c>GET /v1/cluster</c> was polled every 50 ms.</param>
/// <param name="VictimDeadSeconds">Kill to the victim no longer alive in the view (Cluster:DeadAfter after its last heartbeat).</param>
/// <param name="ReassignedSeconds">Kill to the survivors' published claims covering every partition of every grain topic (Kafka's session timeout and rebalance).</param>
/// <param name="RecoveredSeconds">Kill to the view showing 2 alive silos owning every partition, none unowned.</param>
/// <param name="ReplacementStartupSeconds">The replacement silo's start to serving.</param>
/// <param name="RebalancedSeconds">The replacement serving to 3 alive silos balanced again.</param>
public sealed record FailoverRound(int Round, string Victim, string Observer, double VictimDeadSeconds, double ReassignedSeconds, double RecoveredSeconds,
    double ReplacementStartupSeconds, double RebalancedSeconds);

/// <summary>The failover rounds.</summary>
public sealed record FailoverResult(FailoverRound[] Rounds, double MedianRecoveredSeconds, double MedianVictimDeadSeconds, double MedianReassignedSeconds);

/// <summary>Everything one run measured.</summary>
public sealed record ClusterReport(
    DateTimeOffset StartedAt, double TotalSeconds, MachineInfo Machine, string[] Command, Dictionary<string, object> Settings, string[] SiloArguments,
    ProduceResult PreProduce, RawConsumerResult RawConsumer, RawConsumerResult[] RawConsumerRuns, ThroughputResult[] Throughput, FailoverResult? Failover, string LogDir)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes the JSON report.</summary>
    public async Task WriteJsonAsync(string path)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(this, Json) + "\n");
    }

    /// <summary>The report as Markdown tables.</summary>
    public string ToMarkdown()
    {
        var s = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string F(double v, string format = "F2") => double.IsNaN(v) ? "–" : v.ToString(format, inv);
        string N(double v) => double.IsNaN(v) ? "–" : v.ToString("N0", inv);
        string Busy(CpuUsage c) => $"{F(c.MachineBusyPercent, "F0")} % ({F(c.MachineStolenPercent, "F0")} % stolen)";
        string PerTenK(CpuUsage c, int events) => F(c.MachineBusySeconds * 10_000 / events);
        string ByProcess(CpuUsage c)
        {
            var p = c.CpuSecondsByProcess;
            var silos = p.Where(kv => kv.Key.StartsWith("silo ", StringComparison.Ordinal)).Sum(kv => kv.Value);
            return $"{F(p.GetValueOrDefault("bench"), "F1")} / {F(p.GetValueOrDefault("broker"), "F1")} / {F(silos, "F1")} / {F(p.GetValueOrDefault("postgres"), "F1")}";
        }

        s.AppendLine(inv, $"Machine: {Machine.Cpu}, {Machine.LogicalCores} logical cores, {F(Machine.MemoryGiB, "F1")} GiB, {Machine.Os} ({Machine.Kernel}), {Machine.Runtime}, librdkafka {Machine.Librdkafka}, {Machine.Postgres}");
        s.AppendLine();
        s.AppendLine(inv, $"Events on `interactions`: {N(RawConsumer.Events)} plays; pre-produced with the gateway's producer in {F(PreProduce.Seconds)} s ({N(PreProduce.EventsPerSecond)} events/s acknowledged). " +
            $"Raw consumer runs (each in a new group, from the first record to the last): {string.Join(", ", RawConsumerRuns.Select(r => N(r.EventsPerSecond)))} events/s.");
        s.AppendLine();
        s.AppendLine("| run | events | produce (s) | all committed (s) | events/s | vs raw consumer | first commit (s) | item-events committed (s) | machine busy | machine CPU s per 10k events | CPU s: bench / broker / silos / PostgreSQL |");
        s.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
        s.AppendLine(inv, $"| raw consumer (median of {RawConsumerRuns.Length}; deserialize only) | {N(RawConsumer.Events)} | – | {F(RawConsumer.Seconds, "F3")} | {N(RawConsumer.EventsPerSecond)} | 1 | – | – | {Busy(RawConsumer.Cpu)} | {PerTenK(RawConsumer.Cpu, RawConsumer.Events)} | {ByProcess(RawConsumer.Cpu)} |");
        foreach (var t in Throughput)
        {
            s.AppendLine(inv, $"| {t.Name} | {N(t.Events)} | {F(t.ProduceSeconds)} | {F(t.CommittedSeconds)} | {N(t.EventsPerSecond)} | {F(t.VsRawConsumer, "F4")} | {F(t.FirstCommitSeconds)} | {F(t.ItemEventsCommittedSeconds)} | {Busy(t.Cpu)} | {PerTenK(t.Cpu, t.Events)} | {ByProcess(t.Cpu)} |");
        }
        var bySilos = Throughput.GroupBy(t => t.Silos).OrderBy(g => g.Key).ToList();
        if (bySilos.Count == 2)
        {
            s.AppendLine();
            foreach (var round in bySilos[0].Select(t => t.Round))
            {
                var (a, b) = (bySilos[0].FirstOrDefault(t => t.Round == round), bySilos[1].FirstOrDefault(t => t.Round == round));
                if (a is null || b is null) continue;
                s.AppendLine(inv, $"Round {round}: {b.Silos} silos vs {a.Silos}: {F(b.EventsPerSecond / a.EventsPerSecond)}× the events/s, {F(b.MachineCpuSecondsPer10kEvents / a.MachineCpuSecondsPer10kEvents)}× the machine CPU per event.  ");
            }
        }
        s.AppendLine();
        s.AppendLine("| cluster | silo start-up to serving (s) | first silo start to balanced (s) | item copies per round |");
        s.AppendLine("|---|---|---:|---|");
        foreach (var g in Throughput.GroupBy(t => t.Silos))
        {
            var t = g.First();
            s.AppendLine(inv, $"| {t.Silos} silo(s) | {string.Join(", ", t.SiloStartupSeconds.Select(kv => $"{kv.Key} {F(kv.Value, "F1")}"))} | {F(t.BalancedSeconds, "F1")} | {string.Join(", ", g.Select(r => N(r.ItemCopies)))} |");
        }

        if (Failover is { } f)
        {
            s.AppendLine();
            s.AppendLine("| kill -9 round | killed | observer | victim dead in view (s) | survivors claim all partitions (s) | recovered: 2 alive own all (s) | replacement serving (s) | rebalanced to 3 (s) |");
            s.AppendLine("|---:|---|---|---:|---:|---:|---:|---:|");
            foreach (var r in f.Rounds)
                s.AppendLine(inv, $"| {r.Round} | {r.Victim} | {r.Observer} | {F(r.VictimDeadSeconds)} | {F(r.ReassignedSeconds)} | **{F(r.RecoveredSeconds)}** | {F(r.ReplacementStartupSeconds, "F1")} | {F(r.RebalancedSeconds, "F1")} |");
            s.AppendLine(inv, $"| median | | | {F(f.MedianVictimDeadSeconds)} | {F(f.MedianReassignedSeconds)} | **{F(f.MedianRecoveredSeconds)}** | | |");
        }
        s.AppendLine();
        s.AppendLine("Settings: " + string.Join(", ", Settings.Select(kv => $"{kv.Key}={kv.Value}")));
        return s.ToString();
    }
}
