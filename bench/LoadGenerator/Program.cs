using System.Diagnostics;
using System.Net;
using Personalization.Client;
using Personalization.LoadGenerator;

Options options;
try
{
    if (args.Contains("--help") || args.Contains("-h"))
    {
        Console.WriteLine(Options.Usage);
        return 0;
    }
    options = Options.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    Console.Error.WriteLine(Options.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var token = cancel.Token;
var startedAt = DateTimeOffset.Now;
static void Progress(string message) => Console.Error.WriteLine($"{DateTime.Now:HH:mm:ss} {message}");

using var foldIns = options.Target is null ? new FoldInListener() : null;
InProcessSilo? silo = null;
try
{
    var clock = Stopwatch.StartNew();
    Uri target;
    if (options.Target is null)
    {
        Progress($"starting a silo in process: {options.Users} users × {options.Items} items, {options.Factors} factors, {options.Iterations} ALS iterations");
        silo = await InProcessSilo.StartAsync(options);
        target = silo.Address;
    }
    else
    {
        target = options.Target;
    }

    using var siloHttp = NewClient(target);
    var client = new PersonalizationClient(siloHttp);
    var deadline = Stopwatch.StartNew();
    while (!await client.IsServingAsync(token))
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(5)) throw new TimeoutException($"{target} did not start serving within 5 minutes.");
        await Task.Delay(200, token);
    }
    var startupSeconds = clock.Elapsed.TotalSeconds;
    Progress($"{target} serving after {startupSeconds:F1} s");

    // The baseline answers with a real recommendations body of median size, captured from the silo.
    var sampler = new Random(options.Seed);
    var bodies = new List<byte[]>();
    for (var i = 0; i < 51; i++)
    {
        using var response = await siloHttp.GetAsync($"v1/users/u{sampler.Next(1, options.Users + 1)}/recommendations?k=20", token);
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"Sampling recommendations answered {(int)response.StatusCode}.");
        bodies.Add(await response.Content.ReadAsByteArrayAsync(token));
    }
    var bareBody = bodies.OrderBy(b => b.Length).ElementAt(bodies.Count / 2);
    await using var bare = await BareServer.StartAsync(bareBody);
    using var bareHttp = NewClient(bare.Address);
    Progress($"bare Kestrel baseline on {bare.Address} answers {bareBody.Length} bytes");

    var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
    var duration = TimeSpan.FromSeconds(options.DurationSeconds);
    async Task<PhaseResult> Phase(string name, string pattern, HttpClient http, Func<Random, string> path)
    {
        Progress($"{name}: {options.Workers} workers, {options.WarmupSeconds:F0} s warm-up + {options.DurationSeconds:F0} s");
        // Fold-ins are attributed to the phase from the end of its warm-up on.
        foldIns?.BeginPhase(name + " warm-up");
        _ = Task.Delay(warmup, token).ContinueWith(_ => foldIns?.BeginPhase(name), TaskScheduler.Default);
        var result = await ClosedLoop.RunAsync(name, pattern, http, path, options.Workers, warmup, duration, options.MaxRequests, options.Seed, token);
        Progress($"{name}: {result.ThroughputPerSecond:F0} req/s, p50 {result.Latency.P50Ms:F2} ms, p99 {result.Latency.P99Ms:F2} ms, {result.Errors} errors");
        return result;
    }

    var users = options.Users;
    var recommendations = await Phase("recommendations", "GET /v1/users/{u}/recommendations?k=20", siloHttp,
        r => $"v1/users/u{r.Next(1, users + 1)}/recommendations?k=20");
    var rows = await Phase("rows", "GET /v1/users/{u}/rows?rows=6&perRow=20", siloHttp,
        r => $"v1/users/u{r.Next(1, users + 1)}/rows?rows=6&perRow=20");
    var bareResult = await Phase("bare Kestrel", "GET /v1/users/{u}/recommendations (fixed body)", bareHttp,
        r => $"v1/users/u{r.Next(1, users + 1)}/recommendations?k=20");

    Progress($"event-to-visible: {options.FreshUsers} fresh users, {options.EventWorkers} worker(s)");
    foldIns?.BeginPhase("event warm-up");
    var runId = $"{DateTime.UtcNow:HHmmss}{Random.Shared.Next(0x1000):x3}";
    var events = await EventPhase.RunAsync(client, runId, options.FreshUsers, options.Items, options.EventWorkers,
        TimeSpan.FromSeconds(options.VisibleTimeoutSeconds), TimeSpan.FromSeconds(options.EventBudgetSeconds), options.Seed, () => foldIns?.BeginPhase("events"), token);
    foldIns?.BeginPhase("done");
    Progress($"event-to-visible: {events.Visible}/{events.Events} visible, p50 {events.PostToVisible.P50Ms:F2} ms, p99 {events.PostToVisible.P99Ms:F2} ms");

    var report = new LoadReport(startedAt, MachineInfo.Current(), options.Target is null ? "in-process silo" : target.ToString(),
        silo?.Arguments ?? [],
        Settings(options),
        startupSeconds, bareBody.Length, [recommendations, rows, bareResult], events,
        foldIns is null ? null : new FoldInResult(foldIns.Summary("events"), foldIns.Summary("recommendations"), foldIns.Summary("rows")),
        new Ratios(
            recommendations.ThroughputPerSecond / bareResult.ThroughputPerSecond, recommendations.Latency.P50Ms / bareResult.Latency.P50Ms,
            rows.ThroughputPerSecond / bareResult.ThroughputPerSecond, rows.Latency.P50Ms / bareResult.Latency.P50Ms));
    Console.WriteLine(report.ToMarkdown());
    await report.WriteJsonAsync(options.Out);
    Progress($"wrote {Path.GetFullPath(options.Out)}");
    return events.Failures == 0 && recommendations.Errors + rows.Errors + bareResult.Errors == 0 ? 0 : 1;
}
catch (OperationCanceledException) when (token.IsCancellationRequested)
{
    Progress("cancelled");
    return 130;
}
finally
{
    if (silo is not null) await silo.DisposeAsync();
}

static Dictionary<string, object> Settings(Options options)
{
    var settings = new Dictionary<string, object> { ["users"] = options.Users, ["items"] = options.Items };
    if (options.Target is null)
    {
        settings["factors"] = options.Factors;
        settings["iterations"] = options.Iterations;
    }
    settings["workers"] = options.Workers;
    settings["warmupSeconds"] = options.WarmupSeconds;
    settings["durationSeconds"] = options.DurationSeconds;
    settings["freshUsers"] = options.FreshUsers;
    settings["eventWorkers"] = options.EventWorkers;
    settings["seed"] = options.Seed;
    return settings;
}

static HttpClient NewClient(Uri baseAddress) => new(new SocketsHttpHandler
{
    MaxConnectionsPerServer = 1024,
    UseProxy = false, // loopback only: never through a proxy from the environment
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
})
{
    BaseAddress = baseAddress,
    Timeout = TimeSpan.FromSeconds(30),
};
