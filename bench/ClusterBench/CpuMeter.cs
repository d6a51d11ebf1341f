using System.Diagnostics;
using System.Globalization;
using Personalization.Bench;

namespace Personalization.ClusterBench;

/// <summary>
/// CPU time from /proc, so a phase can say where the two cores went: the machine's busy time and the
/// CPU seconds of each process taking part (the bench itself, the broker, the silos, PostgreSQL).
/// </summary>
public static class CpuMeter
{
    /// <summary>/proc reports in USER_HZ, 100 on Linux (x86, arm64).</summary>
    private const double TicksPerSecond = 100;

    /// <summary>A reading.</summary>
    /// <param name="At">Stopwatch timestamp.</param>
    /// <param name="MachineBusy">Non-idle CPU seconds of the whole machine (all cores), steal not counted.</param>
    /// <param name="MachineTotal">CPU seconds elapsed on all cores.</param>
    /// <param name="MachineStolen">CPU seconds the hypervisor gave other guests while this one had work (steal).</param>
    /// <param name="Processes">CPU seconds (user + system) per role.</param>
    public sealed record Sample(long At, double MachineBusy, double MachineTotal, double MachineStolen, Dictionary<string, double> Processes);

    /// <summary>Reads the machine and the given roles (name → process ids; a process's reaped children count).</summary>
    public static Sample Read(IReadOnlyDictionary<string, IReadOnlyList<int>> roles)
    {
        var machine = MachineCpuTimes.Read() ?? throw new PlatformNotSupportedException("The cluster bench reads the machine's CPU from /proc/stat (Linux).");
        var processes = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["bench"] = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        };
        foreach (var (role, pids) in roles) processes[role] = pids.Sum(ProcessSeconds);
        return new Sample(Stopwatch.GetTimestamp(), machine.Busy, machine.Total, machine.Stolen, processes);
    }

    /// <summary>What happened between two readings.</summary>
    public static CpuUsage Between(Sample start, Sample end)
    {
        var wall = Stopwatch.GetElapsedTime(start.At, end.At).TotalSeconds;
        var totalDelta = end.MachineTotal - start.MachineTotal;
        var busyDelta = end.MachineBusy - start.MachineBusy;
        var perRole = end.Processes.ToDictionary(p => p.Key, p => Math.Round(p.Value - start.Processes.GetValueOrDefault(p.Key), 2), StringComparer.Ordinal);
        var stolenDelta = end.MachineStolen - start.MachineStolen;
        return new CpuUsage(Math.Round(wall, 3), Math.Round(busyDelta, 2), totalDelta > 0 ? Math.Round(100 * busyDelta / totalDelta, 1) : double.NaN,
            totalDelta > 0 ? Math.Round(100 * stolenDelta / totalDelta, 1) : double.NaN, perRole);
    }

    /// <summary>
    /// The PostgreSQL server behind a backend: the postmaster (the backend's parent) and all its children.
    /// </summary>
    public static IReadOnlyList<int> PostgresProcesses(int backendPid)
    {
        var postmaster = Stat(backendPid) is { } s ? s.ParentPid : -1;
        return postmaster <= 1 ? [] : ChildrenAndSelf(postmaster);
    }

    /// <summary>Refreshes a role's process list (PostgreSQL starts and ends backends).</summary>
    public static IReadOnlyList<int> Refresh(IReadOnlyList<int> postgres) => postgres.Count == 0 ? postgres : ChildrenAndSelf(postgres[0]);

    private static List<int> ChildrenAndSelf(int parentPid)
    {
        var pids = new List<int> { parentPid };
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { ParentPid: var parent } && parent == parentPid)
                pids.Add(pid);
        }
        return pids;
    }

    private static double ProcessSeconds(int pid) => Stat(pid) is { } s ? s.Seconds : 0;

    private sealed record ProcStat(int ParentPid, double Seconds);

    private static ProcStat? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
        // pid (comm) state ppid ... utime(14) stime(15) cutime(16) cstime(17): fields after the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int field) => double.Parse(fields[field - 3], CultureInfo.InvariantCulture) / TicksPerSecond;
        return new ProcStat(int.Parse(fields[1], CultureInfo.InvariantCulture), Ticks(14) + Ticks(15) + Ticks(16) + Ticks(17));
    }
}

/// <summary>CPU use over a phase.</summary>
/// <param name="WallSeconds">Wall-clock seconds of the phase.</param>
/// <param name="MachineBusySeconds">Non-idle CPU seconds of the whole machine.</param>
/// <param name="MachineBusyPercent">Of all cores' time.</param>
/// <param name="MachineStolenPercent">Of all cores' time, taken by the hypervisor for other guests (steal): on a shared
/// virtual machine, a phase with much of it ran on fewer cores than it had.</param>
/// <param name="CpuSecondsByProcess">CPU seconds of the bench, the broker, each silo and PostgreSQL.</param>
public sealed record CpuUsage(double WallSeconds, double MachineBusySeconds, double MachineBusyPercent, double MachineStolenPercent,
    Dictionary<string, double> CpuSecondsByProcess);
