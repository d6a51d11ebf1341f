using System.Runtime.InteropServices;

namespace Personalization.Tests.Infrastructure;

/// <summary>
/// Freezes processes with SIGSTOP and thaws them with SIGCONT: the server stays up and its connections stay open, but
/// nothing answers, which is what an unreachable server looks like to its clients (no refused connection, no reset).
/// </summary>
public static partial class ProcessPause
{
    private const int SigCont = 18;
    private const int SigStop = 19;

    /// <summary>Stops <paramref name="processIds"/> until the returned handle is disposed.</summary>
    public static IDisposable Pause(IReadOnlyCollection<int> processIds)
    {
        foreach (var pid in processIds) Signal(pid, SigStop);
        return new Thaw(processIds);
    }

    /// <summary>The direct children of <paramref name="parent"/> (from <c>/proc/*/stat</c>).</summary>
    public static IReadOnlyList<int> ChildrenOf(int parent)
    {
        var children = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            // pid (comm) state ppid ...: comm may hold spaces and parentheses, so parse after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (int.TryParse(fields[1], out var ppid) && ppid == parent) children.Add(pid);
        }
        return children;
    }

    private static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    private sealed class Thaw(IReadOnlyCollection<int> processIds) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            foreach (var pid in processIds) Signal(pid, SigCont);
        }
    }
}
