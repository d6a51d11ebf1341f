using System.Globalization;

namespace Personalization.ClusterBench;

/// <summary>Command-line settings of a cluster benchmark run.</summary>
public sealed class Options
{
    /// <summary>Connection string of a PostgreSQL server (superuser): every phase creates its own database there.</summary>
    public string Postgres { get; private set; } = "";

    /// <summary>Events produced per throughput phase.</summary>
    public int Events { get; private set; } = 100_000;

    /// <summary>Users the events are spread over (u1..uN).</summary>
    public int Users { get; private set; } = 5_000;

    /// <summary>Items the events are spread over (i1..iN; the silo's synthetic catalog has this many).</summary>
    public int Items { get; private set; } = 2_000;

    /// <summary>Users of the synthetic data set the first silo imports before training.</summary>
    public int ImportUsers { get; private set; } = 300;

    /// <summary>Latent factors of the first model.</summary>
    public int Factors { get; private set; } = 32;

    /// <summary>ALS iterations of the first model.</summary>
    public int Iterations { get; private set; } = 4;

    /// <summary>Raw-consumer reads (the median is the baseline).</summary>
    public int RawRuns { get; private set; } = 5;

    /// <summary>Rounds of the events through each cluster: the first meets cold grains, the others warm ones.</summary>
    public int ThroughputRounds { get; private set; } = 2;

    /// <summary>Kill-9 failover rounds.</summary>
    public int FailoverRounds { get; private set; } = 3;

    /// <summary>Longest wait for one phase's events to be committed.</summary>
    public double PhaseTimeoutSeconds { get; private set; } = 300;

    /// <summary>Random seed of the events.</summary>
    public int Seed { get; private set; } = 2026;

    /// <summary>Repository root (holds Personalization.sln); found above the working directory or the tool when null.</summary>
    public string? Repo { get; private set; }

    /// <summary>JSON report path.</summary>
    public string Out { get; private set; } = Path.Combine("bench", "results", $"cluster-{DateTime.Now:yyyy-MM-dd-HHmmss}.json");

    /// <summary>Folder of the processes' logs.</summary>
    public string LogDir { get; private set; } = Path.Combine(Path.GetTempPath(), $"cluster-bench-{DateTime.Now:yyyyMMdd-HHmmss}");

    /// <summary>Keep the per-phase databases instead of dropping them at the end.</summary>
    public bool KeepDatabases { get; private set; }

    /// <summary>Extra arguments for every silo.</summary>
    public List<string> SiloArguments { get; } = [];

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Personalization.ClusterBench --postgres CONN [options]
          --postgres CONN         PostgreSQL server (superuser); each phase creates its own database   (required)
          --events N              events per throughput phase                                        (100000)
          --users N               users the events are spread over, u1..uN                           (5000)
          --items N               items the events are spread over, i1..iN (= synthetic catalog)     (2000)
          --import-users N        users of the synthetic data set the first silo imports             (300)
          --factors N             factors of the first model                                         (32)
          --iterations N          ALS iterations of the first model                                  (4)
          --raw-runs N            raw-consumer reads, each in a new group; the median is the baseline (5)
          --throughput-rounds N   rounds of the events through each cluster (1st: cold grains)       (2)
          --failover-rounds N     kill -9 rounds on the 3-silo cluster                               (3)
          --phase-timeout S       longest wait for a phase's events to be committed                  (300)
          --seed N                random seed of the events                                          (2026)
          --repo DIR              repository root (Silo/bin/Release/net10.0/Personalization.Silo.dll)  (found)
          --out PATH              JSON report                           (bench/results/cluster-<date>.json)
          --logs DIR              processes' logs                            (/tmp/cluster-bench-<date>)
          --silo-arg ARG          extra argument for every silo (repeatable), e.g. --silo-arg --Kafka:CheckpointInterval=00:00:02
          --keep-databases        do not drop the per-phase databases at the end
        Starts its own broker (Personalization.Silo broker) and silo processes; needs a Release build.
        """;

    /// <summary>Parses the command line.</summary>
    /// <exception cref="ArgumentException">An unknown option or a bad value.</exception>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            int Int(int min)
            {
                var name = args[i];
                var text = Next();
                return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min
                    ? v : throw new ArgumentException($"{name} must be an integer ≥ {min}, not '{text}'.");
            }
            switch (args[i])
            {
                case "--postgres": o.Postgres = Next(); break;
                case "--events": o.Events = Int(1); break;
                case "--users": o.Users = Int(1); break;
                case "--items": o.Items = Int(1); break;
                case "--import-users": o.ImportUsers = Int(10); break;
                case "--factors": o.Factors = Int(2); break;
                case "--iterations": o.Iterations = Int(1); break;
                case "--raw-runs": o.RawRuns = Int(1); break;
                case "--throughput-rounds": o.ThroughputRounds = Int(1); break;
                case "--failover-rounds": o.FailoverRounds = Int(0); break;
                case "--phase-timeout": o.PhaseTimeoutSeconds = Int(10); break;
                case "--seed": o.Seed = Int(0); break;
                case "--repo": o.Repo = Next(); break;
                case "--out": o.Out = Next(); break;
                case "--logs": o.LogDir = Next(); break;
                case "--silo-arg": o.SiloArguments.Add(Next()); break;
                case "--keep-databases": o.KeepDatabases = true; break;
                default: throw new ArgumentException($"Unknown option '{args[i]}'.");
            }
        }
        if (string.IsNullOrWhiteSpace(o.Postgres)) throw new ArgumentException("--postgres CONN is required.");
        return o;
    }
}
