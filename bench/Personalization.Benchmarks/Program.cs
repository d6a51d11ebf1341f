using BenchmarkDotNet.Running;

// Runs every benchmark when given no arguments; otherwise the usual BenchmarkDotNet switches apply
// (e.g. --filter '*FoldIn*', --list flat). Reports go to bench/Personalization.Benchmarks/BenchmarkDotNet.Artifacts
// (bin/<configuration>/<tfm>/ is three levels below the project) unless --artifacts says otherwise.
// `recall` prints the recall of the int8 retrieval against the exact scan instead (see RetrievalRecall).
if (args is ["recall"])
{
    Personalization.Benchmarks.RetrievalRecall.Run();
    return;
}
var arguments = args.Length == 0 ? ["--filter", "*"] : args;
if (!arguments.Contains("--artifacts"))
    arguments = [.. arguments, "--artifacts", Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "BenchmarkDotNet.Artifacts"))];
BenchmarkSwitcher.FromAssembly(typeof(Personalization.Benchmarks.BenchmarkData).Assembly).Run(arguments);
