using System.Globalization;
using System.Runtime;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Personalization.LoadGenerator;

/// <summary>The machine a run was measured on.</summary>
public sealed record MachineInfo(string Cpu, int LogicalCores, double MemoryGiB, string Os, string Runtime, bool ServerGc)
{
    /// <summary>This machine.</summary>
    public static MachineInfo Current()
    {
        static string? Field(string file, string key) => File.Exists(file)
            ? File.ReadLines(file).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memKb = Field("/proc/meminfo", "MemTotal")?.Split(' ')[0];
        return new MachineInfo(
            Field("/proc/cpuinfo", "model name") ?? "unknown",
            Environment.ProcessorCount,
            memKb is null ? 0 : Math.Round(double.Parse(memKb, CultureInfo.InvariantCulture) / 1024 / 1024, 1),
            RuntimeInformation.OSDescription,
            RuntimeInformation.FrameworkDescription,
            GCSettings.IsServerGC);
    }
}

/// <summary>Fold-in durations seen by the silo's meter, per phase.</summary>
/// <param name="Prewarm">Activations while every user was touched once before the phases.</param>
/// <param name="EventPhase">Solves per event of the event-to-visible phase.</param>
/// <param name="RecommendationsPhase">Solves in the measured closed-loop recommendations window.</param>
/// <param name="RowsPhase">Solves in the measured closed-loop rows window.</param>
public sealed record FoldInResult(LatencySummary Prewarm, LatencySummary EventPhase, LatencySummary RecommendationsPhase, LatencySummary RowsPhase);

/// <summary>Silo vs bare Kestrel answering a body of the same size, closed loop.</summary>
/// <param name="RecommendationsThroughput">Recommendations req/s over bare req/s (recommendations-size body).</param>
/// <param name="RecommendationsP50">Recommendations p50 over bare p50.</param>
/// <param name="RowsThroughput">Rows req/s over bare req/s (rows-size body).</param>
/// <param name="RowsP50">Rows p50 over bare p50.</param>
public sealed record Ratios(double RecommendationsThroughput, double RecommendationsP50, double RowsThroughput, double RowsP50);

/// <summary>Everything a run measured.</summary>
/// <param name="StartedAt">When the run started.</param>
/// <param name="Machine">Where it ran.</param>
/// <param name="Target">The in-process silo or the gateway address.</param>
/// <param name="SiloArguments">The in-process silo's command line.</param>
/// <param name="Settings">The load generator's settings.</param>
/// <param name="StartupSeconds">Start until the gateway served.</param>
/// <param name="BareBodyBytes">The bare endpoint's recommendations body.</param>
/// <param name="BareRowsBodyBytes">The bare endpoint's rows body.</param>
/// <param name="OpenLoop">Open-loop phases, in run order.</param>
/// <param name="Phases">Closed-loop phases, in run order.</param>
/// <param name="Events">The event-to-visible phase, when run.</param>
/// <param name="FoldIn">Fold-in durations, in-process silo only.</param>
/// <param name="Ratios">Silo vs bare Kestrel, when the closed-loop phases ran.</param>
/// <param name="Interleaved">CPU per request over the bare endpoint's, round by round, when asked for.</param>
public sealed record LoadReport(
    DateTimeOffset StartedAt, MachineInfo Machine, string Target, string[] SiloArguments, Dictionary<string, object> Settings,
    double StartupSeconds, int BareBodyBytes, int BareRowsBodyBytes, OpenLoopResult[] OpenLoop, PhaseResult[] Phases,
    EventPhaseResult? Events, FoldInResult? FoldIn, Ratios? Ratios, InterleavedResult? Interleaved = null)
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
        s.AppendLine(inv, $"Load run {StartedAt:yyyy-MM-dd HH:mm:ss zzz} on {Machine.Cpu}, {Machine.LogicalCores} logical cores, {F(Machine.MemoryGiB, "F1")} GiB, {Machine.Os}, {Machine.Runtime} (server GC: {Machine.ServerGc}).");
        s.AppendLine(inv, $"Target: {Target}. Settings: {string.Join(", ", Settings.Select(p => $"{p.Key}={p.Value}"))}.");
        s.AppendLine();
        if (OpenLoop.Length > 0)
        {
            s.AppendLine("Open loop (latency from the intended send time; service = from the actual send; lag = intended to actual send):");
            s.AppendLine();
            s.AppendLine("| phase | path | target/s | achieved/s | held | sent | errors | shed | body bytes | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | service p99 ms | lag p99 ms | in flight start→end (max) |");
            s.AppendLine("|---|---|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var p in OpenLoop)
            {
                s.AppendLine(inv, $"| {p.Name} | `{p.Path}` | {F(p.TargetRate, "F0")} | {F(p.AchievedRate, "F0")} | {p.Verdict} | {p.Sent}/{p.Scheduled} | {p.Errors} | {p.Shed} | {F(p.MeanResponseBytes, "F0")} | {F(p.Latency.P50Ms, "F3")} | {F(p.Latency.P90Ms, "F3")} | {F(p.Latency.P99Ms, "F3")} | {F(p.Latency.P999Ms, "F3")} | {F(p.Latency.MaxMs, "F1")} | {F(p.ServiceTime.P99Ms, "F3")} | {F(p.SendLag.P99Ms, "F3")} | {F(p.BacklogStart, "F1")}→{F(p.BacklogEnd, "F1")} ({p.MaxInFlight}) |");
            }
            s.AppendLine();
        }
        if (Phases.Length > 0)
        {
            s.AppendLine("Closed loop (maximum throughput):");
            s.AppendLine();
            s.AppendLine("| phase | path | workers | requests | errors | req/s | body bytes | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms |");
            s.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var p in Phases)
            {
                s.AppendLine(inv, $"| {p.Name} | `{p.Path}` | {p.Workers} | {p.Requests} | {p.Errors} | {F(p.ThroughputPerSecond, "F0")} | {F(p.MeanResponseBytes, "F0")} | {F(p.Latency.P50Ms, "F3")} | {F(p.Latency.P90Ms, "F3")} | {F(p.Latency.P99Ms, "F3")} | {F(p.Latency.P999Ms, "F3")} | {F(p.Latency.MaxMs, "F3")} |");
            }
            s.AppendLine();
        }
        var used = OpenLoop.Select(p => (p.Name, p.Resources, Requests: p.AchievedRate * p.MeasuredSeconds))
            .Concat(Phases.Select(p => (p.Name, p.Resources, Requests: (double)p.Requests))).Where(p => p.Resources is not null).ToList();
        if (used.Count > 0)
        {
            s.AppendLine("Resources in the measured windows (this process = silo, bare server and client; others = the rest of the machine; stolen = taken by the hypervisor for other guests):");
            s.AppendLine();
            s.AppendLine("| phase | this process, cores | others, cores | stolen, cores | CPU µs per request | GCs gen0/1/2 | GC paused ms | allocated KB per request |");
            s.AppendLine("|---|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var (name, r, requests) in used)
                s.AppendLine(inv, $"| {name} | {F(r!.ProcessCores)} | {F(r.OtherCores)} | {F(r.StolenCores)} | {F(r.ProcessCores * r.Seconds * 1e6 / Math.Max(1, requests), "F0")} | {r.Gen0}/{r.Gen1}/{r.Gen2} | {F(r.GcPauseMs, "F0")} | {F(r.AllocatedMB * 1000 / Math.Max(1, requests), "F1")} |");
            s.AppendLine();
        }
        if (Ratios is not null)
        {
            s.AppendLine("| silo / bare Kestrel (same body size) | throughput ratio | p50 ratio |");
            s.AppendLine("|---|--:|--:|");
            s.AppendLine(inv, $"| recommendations | {F(Ratios.RecommendationsThroughput, "F3")} | {F(Ratios.RecommendationsP50)} |");
            s.AppendLine(inv, $"| rows | {F(Ratios.RowsThroughput, "F3")} | {F(Ratios.RowsP50)} |");
            s.AppendLine();
        }
        if (Interleaved is { } interleaved)
        {
            s.AppendLine(inv, $"Interleaved: {interleaved.Rounds} rounds, one slice of each kind per round ({F(interleaved.SliceSeconds, "F1")} s measured after 0.5 s), the order rotating. CPU of this process per request over the bare endpoint's (same body) in the same round:");
            s.AppendLine();
            s.AppendLine("| kind | median | quartiles | min–max | CPU µs per request, median |");
            s.AppendLine("|---|--:|--:|--:|--:|");
            string Median(string name) => F(RatioSpread.Of(interleaved.Slices.Where(x => x.Name == name).Select(x => x.CpuMicrosPerRequest)).Median, "F0");
            void Spread(string kind, string name, RatioSpread r) =>
                s.AppendLine(inv, $"| {kind} | {F(r.Median)} | {F(r.LowerQuartile)}–{F(r.UpperQuartile)} | {F(r.Min)}–{F(r.Max)} | {Median(name)} |");
            Spread("recommendations / bare", "recommendations", interleaved.Recommendations);
            Spread("user view (grain call, no ranking) / bare", "user view", interleaved.UserView);
            Spread("rows / bare (rows body)", "rows", interleaved.Rows);
            s.AppendLine(inv, $"| bare, recommendations body | | | | {Median("bare, recommendations body")} |");
            s.AppendLine(inv, $"| bare, rows body | | | | {Median("bare, rows body")} |");
            s.AppendLine();
        }
        void Row(string name, LatencySummary l) =>
            s.AppendLine(inv, $"| {name} | {l.Count} | {F(l.MeanMs, "F3")} | {F(l.P50Ms, "F3")} | {F(l.P90Ms, "F3")} | {F(l.P99Ms, "F3")} | {F(l.MaxMs, "F3")} |");
        if (Events is not null)
        {
            s.AppendLine(inv, $"Event-to-visible: {Events.Events} fresh users, one play each, {Events.Workers} worker(s); {Events.Visible} visible, {Events.Failures} failed; {F(Events.MeanPolls, "F1")} polls per event.");
            s.AppendLine();
        }
        if (Events is not null || FoldIn is not null)
        {
            s.AppendLine("| measure | n | mean ms | p50 ms | p90 ms | p99 ms | max ms |");
            s.AppendLine("|---|--:|--:|--:|--:|--:|--:|");
        }
        if (Events is not null)
        {
            Row("POST /v1/events until 202", Events.PostAck);
            Row("POST until GET /v1/users/{u} shows it", Events.PostToVisible);
        }
        if (FoldIn is not null)
        {
            Row("fold-in on activation, prewarm", FoldIn.Prewarm);
            Row("fold-in per event (event phase, `user.foldin.duration`)", FoldIn.EventPhase);
            Row("fold-in on activation, measured recommendations window", FoldIn.RecommendationsPhase);
            Row("fold-in on activation, measured rows window", FoldIn.RowsPhase);
        }
        return s.ToString();
    }
}
