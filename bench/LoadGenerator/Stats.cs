using Personalization.Bench;

namespace Personalization.LoadGenerator;

/// <summary>Summary of a set of durations in milliseconds (nearest-rank percentiles).</summary>
public sealed record LatencySummary(int Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    /// <summary>Summarizes <paramref name="values"/> (sorted in place).</summary>
    public static LatencySummary Of(double[] values)
    {
        if (values.Length == 0) return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        Array.Sort(values);
        double Rank(double p) => values[Math.Clamp((int)Math.Ceiling(p / 100 * values.Length) - 1, 0, values.Length - 1)];
        return new LatencySummary(values.Length, values.Average(), Rank(50), Rank(90), Rank(99), Rank(99.9), values[^1]);
    }
}

/// <summary>Result of one closed-loop GET phase.</summary>
/// <param name="Name">Phase name.</param>
/// <param name="Path">Request path pattern.</param>
/// <param name="Workers">Concurrent workers.</param>
/// <param name="MeasuredSeconds">Length of the measured window.</param>
/// <param name="Requests">Successful requests completed in the window.</param>
/// <param name="Errors">Failed requests (non-2xx or exceptions) in the window.</param>
/// <param name="ThroughputPerSecond">Requests / measured seconds.</param>
/// <param name="MeanResponseBytes">Mean body size.</param>
/// <param name="Latency">Latency of the successful requests, send to last body byte.</param>
/// <param name="Resources">GCs and CPU during the measured window.</param>
public sealed record PhaseResult(string Name, string Path, int Workers, double MeasuredSeconds, int Requests, int Errors,
    double ThroughputPerSecond, double MeanResponseBytes, LatencySummary Latency, ResourceUse? Resources = null);

/// <summary>Result of the event-to-visible phase.</summary>
/// <param name="Events">Events posted.</param>
/// <param name="Visible">Events seen in the user's state before the timeout.</param>
/// <param name="Failures">Rejected posts, errors or timeouts.</param>
/// <param name="Workers">Concurrent workers.</param>
/// <param name="MeanPolls">GET /v1/users/{u} calls per visible event.</param>
/// <param name="PostAck">POST /v1/events until its 202.</param>
/// <param name="PostToVisible">POST sent until a GET shows interactions == 1.</param>
public sealed record EventPhaseResult(int Events, int Visible, int Failures, int Workers, double MeanPolls, LatencySummary PostAck, LatencySummary PostToVisible);

/// <summary>What the machine spent during a measured window: this process's GCs and CPU, and everyone else's CPU.</summary>
/// <param name="Seconds">Length of the window.</param>
/// <param name="Gen0">Gen-0 collections (including those of higher generations).</param>
/// <param name="Gen1">Gen-1 collections (including gen-2 ones).</param>
/// <param name="Gen2">Gen-2 collections.</param>
/// <param name="GcPauseMs">Time this process was paused for GC.</param>
/// <param name="AllocatedMB">Managed memory allocated by this process (silo, bare server and client), MB.</param>
/// <param name="ProcessCores">CPU used by this process (silo, bare server and client together), in cores.</param>
/// <param name="OtherCores">CPU used by everything else on the machine, in cores (NaN where /proc/stat is missing).</param>
/// <param name="StolenCores">
/// CPU the hypervisor gave to other guests while this one had work (steal time), in cores (NaN where /proc/stat is
/// missing): on a shared virtual machine, a phase with much of it ran on fewer cores than it had.
/// </param>
public sealed record ResourceUse(double Seconds, int Gen0, int Gen1, int Gen2, double GcPauseMs, double AllocatedMB, double ProcessCores, double OtherCores,
    double StolenCores);

/// <summary>A point-in-time reading for <see cref="ResourceUse"/>.</summary>
public readonly record struct ResourceSnapshot(long Timestamp, int Gen0, int Gen1, int Gen2, TimeSpan GcPause, long Allocated, TimeSpan ProcessCpu, double MachineBusySeconds,
    double StolenSeconds)
{
    /// <summary>Reads now.</summary>
    public static ResourceSnapshot Take()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        var machine = MachineCpuTimes.Read();
        return new ResourceSnapshot(System.Diagnostics.Stopwatch.GetTimestamp(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: true), process.TotalProcessorTime, machine?.Busy ?? double.NaN,
            machine?.Stolen ?? double.NaN);
    }

    /// <summary>What was spent from <paramref name="start"/> to this reading.</summary>
    public ResourceUse Since(ResourceSnapshot start)
    {
        var seconds = Math.Max(1e-9, (Timestamp - start.Timestamp) / (double)System.Diagnostics.Stopwatch.Frequency);
        var process = (ProcessCpu - start.ProcessCpu).TotalSeconds;
        return new ResourceUse(seconds, Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, (GcPause - start.GcPause).TotalMilliseconds,
            (Allocated - start.Allocated) / 1e6, process / seconds, Math.Max(0, (MachineBusySeconds - start.MachineBusySeconds - process) / seconds),
            (StolenSeconds - start.StolenSeconds) / seconds);
    }
}
