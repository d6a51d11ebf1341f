using System.Diagnostics;

namespace Personalization.Benchmarks;

/// <summary>
/// One <see cref="ServingBenchmarks"/> method called in a loop for a fixed time: a steady process for <c>perf record</c>
/// (BenchmarkDotNet's own process lives only per iteration), and µs and bytes allocated per call for alternating two builds
/// on a noisy host.
/// </summary>
public static class ServingLoop
{
    /// <summary>Runs <c>home</c> (<see cref="ServingBenchmarks.HomePage"/>) or <c>recommend</c> (<see cref="ServingBenchmarks.Recommend"/>).</summary>
    /// <param name="what">Which method.</param>
    /// <param name="users">Users cycled through (<see cref="ServingBenchmarks.UserCount"/>).</param>
    /// <param name="duration">How long to call it.</param>
    public static void Run(string what, int users, TimeSpan duration)
    {
        var benchmarks = new ServingBenchmarks { UserCount = users };
        benchmarks.Setup();
        Func<int> call = what == "home" ? benchmarks.HomePage : benchmarks.Recommend;
        for (var i = 0; i < 200; i++) call(); // past tiered compilation's first tiers
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        long calls = 0, sink = 0;
        while (clock.Elapsed < duration)
        {
            for (var i = 0; i < 100; i++) sink += call();
            calls += 100;
        }
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - allocated) / (double)calls;
        Console.WriteLine($"{what}, {users} users: {clock.Elapsed.TotalMicroseconds / calls:F1} µs and {bytes:N0} bytes allocated per call over {calls:N0} calls (checksum {sink})");
    }
}
