namespace Personalization.Silo.Hosting;

/// <summary>
/// Maps the silo's command line (<c>--dataset movielens DIR</c>, <c>--data-dir DIR</c>, <c>--kafka SERVERS</c>)
/// to configuration keys; everything else (<c>--urls</c>, <c>--Section:Key=value</c>) passes through to ASP.NET Core.
/// </summary>
public static class SiloArguments
{
    /// <summary>Thrown for a command line that cannot be understood.</summary>
    public sealed class UsageException(string message) : Exception(message);

    /// <summary>Translates the arguments.</summary>
    public static string[] Translate(string[] args)
    {
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next(string option) =>
                i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal) ? args[++i] : throw new UsageException($"{option} needs a value.");
            switch (args[i])
            {
                case "--dataset":
                    var kind = Next("--dataset");
                    if (kind == "movielens") result.AddRange(["--Bootstrap:Dataset=movielens", $"--Bootstrap:DatasetPath={Next("--dataset movielens")}"]);
                    else if (kind == "synthetic") result.Add("--Bootstrap:Dataset=synthetic");
                    else throw new UsageException($"--dataset must be 'movielens DIR' or 'synthetic', not '{kind}'.");
                    break;
                case "--data-dir":
                    result.Add($"--Storage:DataDir={Next("--data-dir")}");
                    break;
                case "--urls":
                    result.Add($"--Gateway:Urls={Next("--urls")}");
                    break;
                case var urls when urls.StartsWith("--urls=", StringComparison.Ordinal):
                    result.Add($"--Gateway:Urls={urls["--urls=".Length..]}");
                    break;
                case "--kafka":
                    result.Add($"--Kafka:BootstrapServers={Next("--kafka")}");
                    break;
                default:
                    result.Add(args[i]);
                    break;
            }
        }
        return result.ToArray();
    }
}
