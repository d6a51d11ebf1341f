using System.Globalization;
using System.Net;

namespace Personalization.LoadGenerator;

/// <summary>Command-line settings of a load run.</summary>
public sealed class Options
{
    /// <summary>Gateway to load; null starts a silo in this process.</summary>
    public Uri? Target { get; private set; }

    /// <summary>Synthetic users (and the range u1..uN requests are drawn from).</summary>
    public int Users { get; private set; } = 5_000;

    /// <summary>Synthetic catalog size.</summary>
    public int Items { get; private set; } = 20_000;

    /// <summary>Mean interactions per synthetic user (the history user grains fold in on activation).</summary>
    public int History { get; private set; } = 40;

    /// <summary>
    /// Serve a model of random factors over the whole catalog instead of training ALS (for catalogs too large to
    /// train within a run).
    /// </summary>
    public bool RandomModel { get; private set; }

    /// <summary>Open-loop rates (requests/s), each run for recommendations and for rows; empty for none.</summary>
    public List<double> Rates { get; } = [];

    /// <summary>Run the closed-loop phases (maximum throughput, silo vs bare Kestrel).</summary>
    public bool ClosedLoop { get; private set; } = true;

    /// <summary>Activate every user's grain (GET /v1/users/{u}) before the first measured phase.</summary>
    public bool Prewarm { get; private set; } = true;

    /// <summary>Latent factors of the in-process silo's model.</summary>
    public int Factors { get; private set; } = 64;

    /// <summary>ALS iterations of the in-process silo's first model.</summary>
    public int Iterations { get; private set; } = 10;

    /// <summary>Concurrent closed-loop workers of the GET phases.</summary>
    public int Workers { get; private set; } = 4;

    /// <summary>Measured seconds per GET phase, open or closed loop.</summary>
    public double DurationSeconds { get; private set; } = 20;

    /// <summary>Unmeasured seconds before each GET phase.</summary>
    public double WarmupSeconds { get; private set; } = 5;

    /// <summary>Open loop: the phase gives up past this many seconds' worth of requests in flight (raise it to watch a server shed load).</summary>
    public double MaxBacklogSeconds { get; private set; } = OpenLoop.BacklogLimitSeconds;

    /// <summary>A fixed pool of connections to the silo, all opened before the first phase (null: up to 1,024, opened on demand).</summary>
    public int? Connections { get; private set; }

    /// <summary>A soak instead of the phases: the first --rate for this many seconds, half rows, half recommendations (0: none).</summary>
    public int SoakSeconds { get; private set; }

    /// <summary>Play events per second posted during a soak (0: the soak only reads).</summary>
    public int SoakEventsPerSecond { get; private set; }

    /// <summary>Before a soak, one play event (with an id) for every user, so its state is built before the measured part.</summary>
    public bool SoakWarmEvents { get; private set; }

    /// <summary>Rounds of interleaved slices (CPU per request against the bare endpoint, slice by slice); 0 for none.</summary>
    public int InterleaveRounds { get; private set; }

    /// <summary>Measured seconds per interleaved slice.</summary>
    public double SliceSeconds { get; private set; } = 2;

    /// <summary>Recorded requests per GET phase at most (the array size).</summary>
    public int MaxRequests { get; private set; } = 2_000_000;

    /// <summary>Fresh users of the event-to-visible phase (one play event each).</summary>
    public int FreshUsers { get; private set; } = 300;

    /// <summary>Concurrent workers of the event-to-visible phase.</summary>
    public int EventWorkers { get; private set; } = 1;

    /// <summary>Longest wait for one event to become visible.</summary>
    public double VisibleTimeoutSeconds { get; private set; } = 10;

    /// <summary>Longest time the whole event-to-visible phase may take.</summary>
    public double EventBudgetSeconds { get; private set; } = 120;

    /// <summary>JSON report path.</summary>
    public string Out { get; private set; } = Path.Combine("bench", "results", $"load-{DateTime.Now:yyyy-MM-dd-HHmmss}.json");

    /// <summary>Random seed of user and item choices.</summary>
    public int Seed { get; private set; } = 1;

    /// <summary>Extra arguments for the in-process silo.</summary>
    public List<string> SiloArguments { get; } = [];

    /// <summary>Keep the in-process silo's data folder.</summary>
    public bool KeepData { get; private set; }

    /// <summary>The usage text.</summary>
    public const string Usage = """
        Personalization.LoadGenerator [options]
          --target URL            load a running gateway (loopback only) instead of starting a silo in process
          --users N               synthetic users, requests go to u1..uN          (5000)
          --items N               synthetic catalog size                          (20000)
          --history N             mean interactions per synthetic user            (40)
          --model als|random      train ALS at start, or publish random factors for the whole
                                  catalog first (Gaussian, Zipf popularity; for 1,000,000 items) (als)
          --factors N             model factors                                   (64)
          --iterations N          ALS iterations of the first model               (10)
          --rate R[,R...]         open loop: R requests/s on a fixed schedule, latency from the
                                  intended send time; recommendations and rows at each rate,
                                  bare Kestrel at the highest; gives up past 0.5 s of backlog (none)
          --no-closed-loop        skip the closed-loop (maximum throughput) phases
          --no-prewarm            do not warm every user (one k=1 recommendations request each) before the first phase
          --workers N             closed loop: concurrent workers per GET phase   (4)
          --duration S            measured seconds per GET phase                  (20)
          --warmup S              unmeasured seconds before each GET phase        (5)
          --interleave N          after the closed loop, N rounds of short slices of recommendations, user view,
                                  rows and both bare bodies, in a rotating order; reports each one's CPU per
                                  request over the bare endpoint's of the same round (median, quartiles) (0)
          --slice S               measured seconds per interleaved slice, after 0.5 s unmeasured (2)
          --max-backlog S         open loop: give up past S seconds of requests in flight (0.5)
          --soak S                instead of the phases: the first --rate for S seconds, half rows and half
                                  recommendations, measured per 10 s with memory; writes OUT.csv and OUT.svg
          --soak-events N         during a soak, also post N play events/s for random users (with event ids) (0)
          --soak-warm-events      before a soak, post one play per user and wait until they are applied and the
                                  consumer lag is zero: every user grain then holds what an event builds (stream
                                  consumer, live vector), and no write of the burst is still queued
          --connections N         a fixed pool of N connections to the silo, opened first, as a proxy keeps (on demand, ≤ 1024)
          --max-requests N        closed loop: recorded requests per phase at most (2000000)
          --fresh-users M         event-to-visible: fresh users, one play each, 0 skips (300)
          --event-workers N       event-to-visible: concurrent workers            (1)
          --visible-timeout S     event-to-visible: give up on one event after S  (10)
          --event-budget S        event-to-visible: stop posting after S seconds   (120)
          --seed N                random seed                                     (1)
          --out PATH              JSON report          (bench/results/load-<date>.json)
          --silo-arg ARG          extra argument for the in-process silo (repeatable), e.g. --silo-arg --Kafka:FetchWaitMaxMs=1
          --keep-data             keep the in-process silo's data folder
        """;

    /// <summary>Parses the command line; throws <see cref="ArgumentException"/> with a message for the user.</summary>
    public static Options Parse(string[] args)
    {
        var o = new Options();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            int Int(int min) => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min
                ? v : throw new ArgumentException($"{name} needs an integer of at least {min}.");
            double Seconds() => double.TryParse(Value(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v <= 3600
                ? v : throw new ArgumentException($"{name} needs seconds from 0 to 3600.");
            switch (name)
            {
                case "--target": o.Target = LoopbackUri(Value()); break;
                case "--users": o.Users = Int(1); break;
                case "--items": o.Items = Int(100); break;
                case "--history": o.History = Int(1); break;
                case "--model":
                    o.RandomModel = Value() switch
                    {
                        "als" => false,
                        "random" => true,
                        var other => throw new ArgumentException($"--model needs 'als' or 'random', not '{other}'."),
                    };
                    break;
                case "--rate":
                    foreach (var part in Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        o.Rates.Add(double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) && rate > 0 && rate <= 100_000
                            ? rate : throw new ArgumentException($"--rate needs requests/s from 0 to 100000, not '{part}'."));
                    }
                    break;
                case "--no-closed-loop": o.ClosedLoop = false; break;
                case "--no-prewarm": o.Prewarm = false; break;
                case "--factors": o.Factors = Int(1); break;
                case "--iterations": o.Iterations = Int(1); break;
                case "--workers": o.Workers = Int(1); break;
                case "--duration": o.DurationSeconds = Seconds(); break;
                case "--warmup": o.WarmupSeconds = Seconds(); break;
                case "--max-backlog": o.MaxBacklogSeconds = Seconds(); break;
                case "--interleave": o.InterleaveRounds = Int(0); break;
                case "--slice": o.SliceSeconds = Seconds(); break;
                case "--connections": o.Connections = Int(1); break;
                case "--soak": o.SoakSeconds = Int(10); break;
                case "--soak-events": o.SoakEventsPerSecond = Int(0); break;
                case "--soak-warm-events": o.SoakWarmEvents = true; break;
                case "--max-requests": o.MaxRequests = Int(1); break;
                case "--fresh-users": o.FreshUsers = Int(0); break;
                case "--event-workers": o.EventWorkers = Int(1); break;
                case "--visible-timeout": o.VisibleTimeoutSeconds = Seconds(); break;
                case "--event-budget": o.EventBudgetSeconds = Seconds(); break;
                case "--seed": o.Seed = Int(0); break;
                case "--out": o.Out = Value(); break;
                case "--silo-arg": o.SiloArguments.Add(Value()); break;
                case "--keep-data": o.KeepData = true; break;
                default: throw new ArgumentException($"Unknown option {name}.");
            }
        }
        if (o.Workers > 256 || o.EventWorkers > 256) throw new ArgumentException("At most 256 workers.");
        if (o.RandomModel && o.Target is not null) throw new ArgumentException("--model applies to the in-process silo, not to --target.");
        if (o.Rates.Count == 0 && !o.ClosedLoop && o.InterleaveRounds == 0)
            throw new ArgumentException("--no-closed-loop needs --rate or --interleave: nothing would be measured.");
        if (o.InterleaveRounds > 0 && o.SliceSeconds < 0.5) throw new ArgumentException("--slice needs at least 0.5 seconds.");
        return o;
    }

    /// <summary>Accepts only http(s) URLs on a loopback address.</summary>
    private static Uri LoopbackUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException($"--target needs an http(s) URL, not '{text}'.");
        var loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
        if (!loopback) throw new ArgumentException($"--target must be a loopback address (127.0.0.0/8, [::1] or localhost), not '{uri.Host}'.");
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}
