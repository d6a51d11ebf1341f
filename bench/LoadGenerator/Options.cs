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

    /// <summary>Latent factors of the in-process silo's model.</summary>
    public int Factors { get; private set; } = 64;

    /// <summary>ALS iterations of the in-process silo's first model.</summary>
    public int Iterations { get; private set; } = 10;

    /// <summary>Concurrent closed-loop workers of the GET phases.</summary>
    public int Workers { get; private set; } = 4;

    /// <summary>Measured seconds per GET phase.</summary>
    public double DurationSeconds { get; private set; } = 20;

    /// <summary>Unmeasured seconds before each GET phase.</summary>
    public double WarmupSeconds { get; private set; } = 5;

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
          --factors N             model factors                                   (64)
          --iterations N          ALS iterations of the first model               (10)
          --workers N             concurrent workers per GET phase                (4)
          --duration S            measured seconds per GET phase                  (20)
          --warmup S              unmeasured seconds before each GET phase        (5)
          --max-requests N        recorded requests per GET phase at most         (2000000)
          --fresh-users M         event-to-visible: fresh users, one play each    (300)
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
                case "--factors": o.Factors = Int(1); break;
                case "--iterations": o.Iterations = Int(1); break;
                case "--workers": o.Workers = Int(1); break;
                case "--duration": o.DurationSeconds = Seconds(); break;
                case "--warmup": o.WarmupSeconds = Seconds(); break;
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
