using BenchmarkDotNet.Running;

// Runs every benchmark when given no arguments; otherwise the usual BenchmarkDotNet switches apply
// (e.g. --filter '*FoldIn*', --list flat). Reports go to bench/Personalization.Benchmarks/BenchmarkDotNet.Artifacts
// (bin/<configuration>/<tfm>/ is three levels below the project) unless --artifacts says otherwise.
// `recall` prints the recall of the int8 retrieval against the exact scan instead (see RetrievalRecall).
// `loop home|recommend USERS SECONDS` calls one ServingBenchmarks method in a loop and prints µs per call: a steady
// process to attach `perf record` to, and a quick same-process comparison of two builds.
if (args is ["recall"])
{
    Personalization.Benchmarks.RetrievalRecall.Run();
    return;
}
if (args is ["loop", var what and ("home" or "recommend"), var users, var seconds])
{
    Personalization.Benchmarks.ServingLoop.Run(what, int.Parse(users, System.Globalization.CultureInfo.InvariantCulture),
        TimeSpan.FromSeconds(double.Parse(seconds, System.Globalization.CultureInfo.InvariantCulture)));
    return;
}
var arguments = args.Length == 0 ? ["--filter", "*"] : args;
if (!arguments.Contains("--artifacts"))
    arguments = [.. arguments, "--artifacts", Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"))];
BenchmarkSwitcher.FromAssembly(typeof(Personalization.Benchmarks.BenchmarkData).Assembly).Run(arguments);
