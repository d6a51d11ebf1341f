using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
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
// SIGTERM (kill) ends the run as Ctrl+C does: the in-process silo's host stops on it, and the run must not go on
// measuring a silo that is shutting down.
using var terminate = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
{
    c.Cancel = true;
    cancel.Cancel();
});
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
        Progress($"starting a silo in process: {options.Users} users × {options.Items} items, {options.Factors} factors, " +
            (options.RandomModel ? "random factors (no training)" : $"{options.Iterations} ALS iterations"));
        silo = await InProcessSilo.StartAsync(options);
        target = silo.Address;
    }
    else
    {
        target = options.Target;
    }

    using var siloHttp = NewClient(target, options.Connections);
    var client = new PersonalizationClient(siloHttp);
    var deadline = Stopwatch.StartNew();
    // A million-item catalog takes minutes to import into SQLite at first start.
    var startupLimit = TimeSpan.FromMinutes(15);
    while (!await client.IsServingAsync(token))
    {
        if (deadline.Elapsed > startupLimit) throw new TimeoutException($"{target} did not start serving within {startupLimit.TotalMinutes:F0} minutes.");
        await Task.Delay(200, token);
    }
    var startupSeconds = clock.Elapsed.TotalSeconds;
    Progress($"{target} serving after {startupSeconds:F1} s");
    if (options.Connections is { } pool)
    {
        // As a proxy in front of a silo keeps its pool: every connection open before the first measured request.
        await Task.WhenAll(Enumerable.Range(0, pool).Select(async _ => { using var r = await siloHttp.GetAsync("healthz", token); }));
        Progress($"{pool} connections open");
    }

    var users = options.Users;
    const string recommendationsPattern = "GET /v1/users/{u}/recommendations?k=20";
    const string rowsPattern = "GET /v1/users/{u}/rows?rows=6&perRow=20&device=tv&hour=20";
    string RecommendationsPath(Random r) => $"v1/users/u{r.Next(1, users + 1)}/recommendations?k=20";
    string RowsPath(Random r) => $"v1/users/u{r.Next(1, users + 1)}/rows?rows=6&perRow=20&device=tv&hour=20";
    // One grain call through the same gateway with no ranking behind it: the floor a ranked answer stands on.
    const string userViewPattern = "GET /v1/users/{u}?recent=0";
    string UserViewPath(Random r) => $"v1/users/u{r.Next(1, users + 1)}?recent=0";

    if (options.Prewarm)
    {
        // Every user's first request pays for its activation (history read, fold-in) and builds the page inputs its
        // grain keeps (exclusions, genre affinities); one small ranked request per user first makes every phase
        // measure the warm path, whatever order the phases run in, and a soak start from a warm silo.
        foldIns?.BeginPhase("prewarm");
        var prewarm = Stopwatch.StartNew();
        var nextUser = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            int u;
            while ((u = Interlocked.Increment(ref nextUser)) <= users)
            {
                for (var attempt = 1; ; attempt++)
                {
                    using var response = await siloHttp.GetAsync($"v1/users/u{u}/recommendations?k=1", token);
                    // Cold activations are slow enough for the gateway to shed a few; those are simply asked again.
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 20)
                    {
                        await Task.Delay(100, token);
                        continue;
                    }
                    response.EnsureSuccessStatusCode();
                    break;
                }
            }
        }, token)));
        // The first requests of a kind run unoptimized code until the JIT's tiers catch up; at 1,000 req/s that backlog
        // alone could exceed the open loop's in-flight limit. Both request kinds run a few seconds first, with other
        // parameters than the measured ones so no cached answer is reused.
        var warmed = 0;
        var warmUntil = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var r = new Random(w);
            while (warmUntil.Elapsed < TimeSpan.FromSeconds(3))
            {
                var u = r.Next(1, users + 1);
                using var a = await siloHttp.GetAsync($"v1/users/u{u}/recommendations?k=10", token);
                using var b = await siloHttp.GetAsync($"v1/users/u{u}/rows?rows=3&perRow=10&device=tv&hour=20", token);
                Interlocked.Add(ref warmed, 2);
            }
        }, token)));
        Progress($"prewarm: {users} user grains activated in {prewarm.Elapsed.TotalSeconds:F1} s ({warmed} warm-up requests)");
    }

    if (options.SoakSeconds > 0)
    {
        var rate = options.Rates.Count > 0 ? options.Rates[0] : throw new ArgumentException("--soak needs --rate.");
        var stem = Path.ChangeExtension(options.Out, null);
        // Before the half hour, not after it: a soak must not die at its end for want of a folder.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stem))!);
        if (options.SoakWarmEvents) await WarmEventsAsync();
        Progress($"soak: {rate:F0} req/s for {options.SoakSeconds} s, half rows and half recommendations, {options.SoakEventsPerSecond} events/s");
        // The event stream beside the reads: grains fold in and checkpoint while they serve.
        using var stopEvents = CancellationTokenSource.CreateLinkedTokenSource(token);
        long eventsAccepted = 0, eventsFailed = 0;
        var eventFailures = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var eventWriter = options.SoakEventsPerSecond == 0 ? Task.CompletedTask : Task.Run(async () =>
        {
            var r = new Random(options.Seed + 17);
            var interval = TimeSpan.FromSeconds(1.0 / options.SoakEventsPerSecond * 10); // batches of 10
            var next = Stopwatch.GetTimestamp();
            for (var batch = 0; !stopEvents.IsCancellationRequested; batch++)
            {
                var events = Enumerable.Range(0, 10).Select(e => new Personalization.Contracts.InteractionEvent
                {
                    UserId = $"u{r.Next(1, users + 1)}", ItemId = $"i{r.Next(1, options.Items + 1)}", Type = Personalization.Contracts.InteractionType.Play,
                    EventId = $"soak-{batch}-{e}",
                }).ToList();
                try { Interlocked.Add(ref eventsAccepted, await client.TrackAsync(events, stopEvents.Token)); }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Interlocked.Add(ref eventsFailed, events.Count);
                    // A refused batch is a finding, not noise: say when and why, so a soak's one failure can be explained.
                    var reason = $"{ex.GetType().Name}: {ex.Message}";
                    eventFailures.AddOrUpdate(reason.Length > 300 ? reason[..300] : reason, 1, (_, n) => n + 1);
                    Progress($"soak event batch {batch} failed: {reason}");
                }
                catch (OperationCanceledException) { break; }
                next += (long)(interval.TotalSeconds * Stopwatch.Frequency);
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stopEvents.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });
        var windows = await Soak.RunAsync(siloHttp, r => r.Next(2) == 0 ? RowsPath(r) : RecommendationsPath(r), rate,
            TimeSpan.FromSeconds(options.SoakSeconds), TimeSpan.FromSeconds(10), options.Seed,
            // In process, RSS is the silo's and the client's together; the managed heap is mostly the silo's.
            () => (Environment.WorkingSet / 1048576.0, GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0, LiveAfterLastFullCollection() / 1048576.0), Progress, token);
        await stopEvents.CancelAsync();
        await eventWriter;
        if (options.SoakEventsPerSecond > 0) Progress($"soak events: {eventsAccepted} accepted, {eventsFailed} failed");
        foreach (var (reason, count) in eventFailures) Progress($"soak events failed {count}× with {reason}");
        if (windows.Count > 0)
            Progress(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"soak CPU: {windows.Average(w => w.ProcessCores):F2} of {Environment.ProcessorCount} cores in this process (silo and load generator), {windows.Average(w => w.OtherCores):F2} elsewhere; {windows.Sum(w => w.Gen2)} gen-2 collections"));
        await File.WriteAllTextAsync(stem + ".csv", Soak.Csv(windows), token);
        await File.WriteAllTextAsync(stem + ".svg", Soak.Svg(windows,
            $"Soak at {rate:F0} req/s (half rows, half recommendations){(options.SoakEventsPerSecond > 0 ? $" + {options.SoakEventsPerSecond} events/s" : "")}, {users} users, {options.Items} items, {Environment.ProcessorCount} cores"), token);
        Progress($"wrote {stem}.csv and {stem}.svg");
        return 0;

        // One play per user through the gateway, then until sampled users show it: every partition has caught up.
        async Task WarmEventsAsync()
        {
            var clock = Stopwatch.StartNew();
            var before = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => client.GetUserAsync($"u{users - i}", 0, token)));
            var next = 0;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                int first;
                while ((first = Interlocked.Add(ref next, 100) - 100) < users)
                {
                    var events = Enumerable.Range(first + 1, Math.Min(100, users - first)).Select(u => new Personalization.Contracts.InteractionEvent
                    {
                        UserId = $"u{u}", ItemId = $"i{1 + u % options.Items}", Type = Personalization.Contracts.InteractionType.Play, EventId = $"warm-{u}",
                    }).ToList();
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await client.TrackAsync(events, token);
                            break;
                        }
                        catch (PersonalizationApiException) when (attempt < 20)
                        {
                            await Task.Delay(200, token); // shed under the burst: the ids make the retry safe
                        }
                    }
                }
            }, token)));
            for (var i = 0; i < before.Length; i++)
                while ((await client.GetUserAsync($"u{users - i}", 0, token)).Interactions <= before[i].Interactions) await Task.Delay(500, token);
            Progress($"warm events: one play for each of {users} users applied in {clock.Elapsed.TotalSeconds:F1} s");
            // Applied to the users is not yet written: the item grains' copies and every grain's state writes queue
            // behind a burst like this one. The soak starts once the consumer lag (records not applied and committed,
            // on both topics) is zero, so its first seconds measure the soak's load, not the warm-up's backlog.
            var drain = Stopwatch.StartNew();
            long lag;
            while ((lag = (await siloHttp.GetFromJsonAsync<System.Text.Json.JsonElement>("healthz", token)).GetProperty("lag").GetInt64()) > 0)
            {
                if (drain.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException($"The warm-up's events were not committed within 10 minutes ({lag} records behind).");
                await Task.Delay(500, token);
            }
            Progress($"warm events: consumer lag zero {drain.Elapsed.TotalSeconds:F1} s later");
        }
    }

    // The baselines answer with real bodies of median size, captured from the silo.
    var sampler = new Random(options.Seed);
    async Task<byte[]> MedianBody(Func<Random, string> path)
    {
        var bodies = new List<byte[]>();
        for (var i = 0; i < 51; i++)
        {
            var requestPath = path(sampler);
            using var response = await siloHttp.GetAsync(requestPath, token);
            if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"Sampling {requestPath} answered {(int)response.StatusCode}.");
            bodies.Add(await response.Content.ReadAsByteArrayAsync(token));
        }
        return bodies.OrderBy(b => b.Length).ElementAt(bodies.Count / 2);
    }
    var bareRecommendations = await MedianBody(RecommendationsPath);
    var bareRows = await MedianBody(RowsPath);
    await using var bare = await BareServer.StartAsync(bareRecommendations, bareRows);
    using var bareHttp = NewClient(bare.Address);
    Progress($"bare Kestrel baseline on {bare.Address} answers {bareRecommendations.Length} bytes (recommendations), {bareRows.Length} bytes (rows)");

    var warmup = TimeSpan.FromSeconds(options.WarmupSeconds);
    var duration = TimeSpan.FromSeconds(options.DurationSeconds);
    Task<ResourceSnapshot> BeginPhase(string name)
    {
        // Fold-ins, GCs and CPU are attributed to the phase from the end of its warm-up on.
        foldIns?.BeginPhase(name + " warm-up");
        return Task.Delay(warmup, token).ContinueWith(_ =>
        {
            foldIns?.BeginPhase(name);
            return ResourceSnapshot.Take();
        }, TaskScheduler.Default);
    }
    // Null when the phase ended before its window began (an open-loop phase that gave up in its warm-up).
    static ResourceUse? Used(Task<ResourceSnapshot> windowStart) =>
        windowStart.IsCompletedSuccessfully ? ResourceSnapshot.Take().Since(windowStart.Result) : null;

    var open = new List<OpenLoopResult>();
    async Task Open(string name, string pattern, HttpClient http, Func<Random, string> path, double rate)
    {
        var phase = $"{name} @ {rate:F0}/s";
        Progress($"{phase}: open loop, {options.WarmupSeconds:F0} s warm-up + {options.DurationSeconds:F0} s");
        var window = BeginPhase(phase);
        var result = await OpenLoop.RunAsync(phase, pattern, http, path, rate, warmup, duration, options.Seed, token, options.MaxBacklogSeconds);
        result = result with { Resources = Used(window) };
        Progress($"{phase}: {result.AchievedRate:F0} req/s achieved ({result.Verdict}), p50 {result.Latency.P50Ms:F2} ms, p99 {result.Latency.P99Ms:F2} ms, " +
            $"p99.9 {result.Latency.P999Ms:F2} ms, max {result.Latency.MaxMs:F1} ms, {result.Errors} errors, {result.Shed} shed{Describe(result.Resources)}");
        open.Add(result);
    }
    foreach (var rate in options.Rates)
    {
        await Open("recommendations", recommendationsPattern, siloHttp, RecommendationsPath, rate);
        await Open("rows", rowsPattern, siloHttp, RowsPath, rate);
    }
    if (options.Rates.Count > 0)
    {
        // The floor of the client and the loopback at the same rate: what the load generator itself adds.
        await Open("bare Kestrel, rows body", "GET /v1/users/{u}/rows (fixed body)", bareHttp, RowsPath, options.Rates.Max());
    }

    var closed = new List<PhaseResult>();
    Ratios? ratios = null;
    if (options.ClosedLoop)
    {
        async Task<PhaseResult> Phase(string name, string pattern, HttpClient http, Func<Random, string> path)
        {
            Progress($"{name}: closed loop, {options.Workers} workers, {options.WarmupSeconds:F0} s warm-up + {options.DurationSeconds:F0} s");
            var window = BeginPhase(name);
            var result = await ClosedLoop.RunAsync(name, pattern, http, path, options.Workers, warmup, duration, options.MaxRequests, options.Seed, token);
            result = result with { Resources = Used(window) };
            Progress($"{name}: {result.ThroughputPerSecond:F0} req/s, p50 {result.Latency.P50Ms:F2} ms, p99 {result.Latency.P99Ms:F2} ms, {result.Errors} errors{Describe(result.Resources)}");
            closed.Add(result);
            return result;
        }

        var recommendations = await Phase("recommendations", recommendationsPattern, siloHttp, RecommendationsPath);
        var rows = await Phase("rows", rowsPattern, siloHttp, RowsPath);
        await Phase("user view (a grain call, no ranking)", userViewPattern, siloHttp, UserViewPath);
        var bareRecommendationsResult = await Phase("bare Kestrel, recommendations body", "GET /v1/users/{u}/recommendations (fixed body)", bareHttp, RecommendationsPath);
        var bareRowsResult = await Phase("bare Kestrel, rows body", "GET /v1/users/{u}/rows (fixed body)", bareHttp, RowsPath);
        ratios = new Ratios(
            recommendations.ThroughputPerSecond / bareRecommendationsResult.ThroughputPerSecond, recommendations.Latency.P50Ms / bareRecommendationsResult.Latency.P50Ms,
            rows.ThroughputPerSecond / bareRowsResult.ThroughputPerSecond, rows.Latency.P50Ms / bareRowsResult.Latency.P50Ms);
    }

    InterleavedResult? interleaved = null;
    if (options.InterleaveRounds > 0)
    {
        const string recommendationsKind = "recommendations", userViewKind = "user view", bareRecommendationsKind = "bare, recommendations body";
        const string rowsKind = "rows", bareRowsKind = "bare, rows body";
        Progress($"interleaved: {options.InterleaveRounds} rounds of 5 slices, {options.Workers} workers, 0.5 s warm-up + {options.SliceSeconds:F1} s each");
        var slices = await Interleaved.RunAsync(
            [
                new(recommendationsKind, siloHttp, RecommendationsPath), new(userViewKind, siloHttp, UserViewPath), new(bareRecommendationsKind, bareHttp, RecommendationsPath),
                new(rowsKind, siloHttp, RowsPath), new(bareRowsKind, bareHttp, RowsPath),
            ],
            // Each worker's latency array is sized for 100,000 requests/s: --max-requests (for whole phases) would be
            // tens of MB per slice.
            options.InterleaveRounds, options.Workers, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(options.SliceSeconds),
            (int)Math.Min(options.MaxRequests, 100_000 * (options.SliceSeconds + 0.5)), options.Seed,
            Progress, token);
        interleaved = new InterleavedResult(options.InterleaveRounds, options.SliceSeconds, slices,
            Interleaved.Ratio(slices, recommendationsKind, bareRecommendationsKind), Interleaved.Ratio(slices, userViewKind, bareRecommendationsKind),
            Interleaved.Ratio(slices, rowsKind, bareRowsKind));
        Progress($"interleaved: CPU per request over the bare endpoint's, median of {options.InterleaveRounds} rounds: recommendations {interleaved.Recommendations.Median:F2} " +
            $"(quartiles {interleaved.Recommendations.LowerQuartile:F2}–{interleaved.Recommendations.UpperQuartile:F2}), user view {interleaved.UserView.Median:F2}, rows {interleaved.Rows.Median:F2}");
    }

    EventPhaseResult? events = null;
    if (options.FreshUsers > 0)
    {
        Progress($"event-to-visible: {options.FreshUsers} fresh users, {options.EventWorkers} worker(s)");
        foldIns?.BeginPhase("event warm-up");
        var runId = $"{DateTime.UtcNow:HHmmss}{Random.Shared.Next(0x1000):x3}";
        events = await EventPhase.RunAsync(client, runId, options.FreshUsers, options.Items, options.EventWorkers,
            TimeSpan.FromSeconds(options.VisibleTimeoutSeconds), TimeSpan.FromSeconds(options.EventBudgetSeconds), options.Seed, () => foldIns?.BeginPhase("events"), token);
        Progress($"event-to-visible: {events.Visible}/{events.Events} visible, p50 {events.PostToVisible.P50Ms:F2} ms, p99 {events.PostToVisible.P99Ms:F2} ms");
    }
    foldIns?.BeginPhase("done");

    var report = new LoadReport(startedAt, MachineInfo.Current(), options.Target is null ? "in-process silo" : target.ToString(),
        silo?.Arguments ?? [],
        Settings(options),
        startupSeconds, bareRecommendations.Length, bareRows.Length, [.. open], [.. closed], events,
        foldIns is null ? null : new FoldInResult(foldIns.Summary("prewarm"), foldIns.Summary("events"), foldIns.Summary("recommendations"), foldIns.Summary("rows")),
        ratios, interleaved);
    Console.WriteLine(report.ToMarkdown());
    await report.WriteJsonAsync(options.Out);
    Progress($"wrote {Path.GetFullPath(options.Out)}");
    var failed = (events?.Failures ?? 0) + open.Sum(p => p.Errors) + closed.Sum(p => p.Errors) + (interleaved?.Slices.Sum(p => p.Errors) ?? 0);
    return failed == 0 ? 0 : 1;
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
        settings["history"] = options.History;
        settings["model"] = options.RandomModel ? "random" : "als";
        settings["factors"] = options.Factors;
        if (!options.RandomModel) settings["iterations"] = options.Iterations;
    }
    if (options.Rates.Count > 0) settings["rates"] = string.Join(",", options.Rates);
    settings["closedLoop"] = options.ClosedLoop;
    if (options.InterleaveRounds > 0)
    {
        settings["interleaveRounds"] = options.InterleaveRounds;
        settings["sliceSeconds"] = options.SliceSeconds;
    }
    settings["prewarm"] = options.Prewarm;
    settings["workers"] = options.Workers;
    settings["warmupSeconds"] = options.WarmupSeconds;
    settings["durationSeconds"] = options.DurationSeconds;
    settings["freshUsers"] = options.FreshUsers;
    settings["eventWorkers"] = options.EventWorkers;
    settings["seed"] = options.Seed;
    return settings;
}

static string Describe(ResourceUse? use) => use is null ? "" :
    $"; {use.ProcessCores:F2} cores, others {use.OtherCores:F2} cores, {use.StolenCores:F2} stolen, {use.Gen0}/{use.Gen1}/{use.Gen2} GCs, {use.GcPauseMs:F0} ms paused";

static HttpClient NewClient(Uri baseAddress, int? connections = null) => new(new SocketsHttpHandler
{
    MaxConnectionsPerServer = connections ?? 1024,
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

// Bytes that survived the newest gen-2 collection, blocking or background; 0 before the first.
static long LiveAfterLastFullCollection()
{
    var blocking = GC.GetGCMemoryInfo(GCKind.FullBlocking);
    var background = GC.GetGCMemoryInfo(GCKind.Background);
    var last = blocking.Index > background.Index ? blocking : background;
    return last.Index == 0 ? 0 : last.PromotedBytes;
}
