using System.Globalization;

namespace Personalization.Bench;

/// <summary>
/// CPU seconds the whole machine (all cores) has spent since boot, from the first line of <c>/proc/stat</c>: busy (user,
/// nice, system, irq and softirq; guest time is already in user), idle (idle and iowait), and stolen by the hypervisor
/// for other guests while this one had work. One source file, linked into the load generator and the cluster bench,
/// so the two tools count a machine's CPU alike.
/// </summary>
/// <param name="Busy">Busy seconds.</param>
/// <param name="Idle">Idle seconds.</param>
/// <param name="Stolen">Stolen seconds (0 on kernels that do not report steal).</param>
internal readonly record struct MachineCpuTimes(double Busy, double Idle, double Stolen)
{
    // USER_HZ, the unit of /proc/stat, is 100 on Linux.
    private const double TicksPerSecond = 100;

    /// <summary>All of it: busy, idle and stolen.</summary>
    public double Total => Busy + Idle + Stolen;

    /// <summary>Reads now; null where <c>/proc/stat</c> is missing or its first line is not the machine's.</summary>
    public static MachineCpuTimes? Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path)) return null;
        string? line;
        using (var reader = new StreamReader(path)) line = reader.ReadLine();
        var fields = (line ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6 || fields[0] != "cpu") return null;
        // cpu user nice system idle iowait irq softirq steal ...
        double Seconds(int i) => i < fields.Length ? double.Parse(fields[i], CultureInfo.InvariantCulture) / TicksPerSecond : 0;
        return new MachineCpuTimes(Seconds(1) + Seconds(2) + Seconds(3) + Seconds(6) + Seconds(7), Seconds(4) + Seconds(5), Seconds(8));
    }
}
