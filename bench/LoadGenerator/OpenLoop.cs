using System.Buffers;
using System.Diagnostics;
using System.Net;

namespace Personalization.LoadGenerator;

/// <summary>
/// Open loop: requests leave on a fixed schedule (request i is due at start + i / rate) whatever the server does,
/// and each latency is measured from the request's <em>intended</em> send time, so a stalled server is charged
/// for every request that should have left during the stall (no coordinated omission). An unmeasured warm-up on
/// the same schedule comes first; then the measured window.
/// </summary>
/// <remarks>
/// One dedicated thread dispatches: it wakes about every millisecond (the OS's sleep granularity), hands every
/// request that is due to the thread pool, and samples the number of requests in flight every 100 ms. The
/// dispatch delay (intended to actual send) is part of the latency and is also reported on its own. When more
/// than <c>backlogLimitSeconds</c> (default <see cref="BacklogLimitSeconds"/>) of the rate is in flight the server is clearly not keeping up; the
/// phase stops sending rather than piling up thousands of requests that would spill into the next phase.
/// </remarks>
public static class OpenLoop
{
    /// <summary>By default the phase gives up when more than this many seconds' worth of requests (at least 50) is in flight.</summary>
    public const double BacklogLimitSeconds = 0.5;

    /// <summary>The rate counts as held when at least this share of it completed inside the window.</summary>
    public const double HeldShare = 0.99;

    private static readonly long SampleTicks = Stopwatch.Frequency / 10;

    /// <summary>Runs one phase at <paramref name="rate"/> requests/s; <paramref name="path"/> picks each request's path.</summary>
    public static async Task<OpenLoopResult> RunAsync(string name, string pathPattern, HttpClient http, Func<Random, string> path,
        double rate, TimeSpan warmup, TimeSpan duration, int seed, CancellationToken cancellationToken, double backlogLimitSeconds = BacklogLimitSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(rate, 0);
        var warmupCount = (int)Math.Round(rate * warmup.TotalSeconds);
        var measuredCount = Math.Max(1, (int)Math.Round(rate * duration.TotalSeconds));
        var total = warmupCount + measuredCount;
        var interval = Stopwatch.Frequency / rate;
        var limit = Math.Max(50, (int)(rate * backlogLimitSeconds));

        var sent = new long[total];
        var done = new long[total];
        var ok = new bool[total];
        var shed = new bool[total];
        var received = new long[total];
        var tasks = new Task[total];
        var samples = new List<(long At, int InFlight)>((int)((warmup + duration).TotalSeconds * 10) + 16);
        var inFlight = 0;
        var issued = 0;
        double? gaveUpAt = null;

        async Task SendAsync(int i, string requestPath)
        {
            var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
            sent[i] = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync(requestPath, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                long bytes = 0;
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0) bytes += read;
                received[i] = bytes;
                ok[i] = response.StatusCode == HttpStatusCode.OK;
                // Shed by the silo's limits, as promised: at once, with a time to come back.
                shed[i] = response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && response.Headers.RetryAfter is not null;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            finally
            {
                done[i] = Stopwatch.GetTimestamp();
                ArrayPool<byte>.Shared.Return(buffer);
                Interlocked.Decrement(ref inFlight);
            }
        }

        // Starts a little ahead so the first requests are not already late when the thread begins.
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 50;
        long Intended(int i) => start + (long)(i * interval);
        var dispatched = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var random = new Random(HashCode.Combine(seed, name, "open"));
        var dispatcher = new Thread(() =>
        {
            try
            {
                var nextSample = start;
                while (issued < total && !cancellationToken.IsCancellationRequested)
                {
                    var now = Stopwatch.GetTimestamp();
                    var current = Volatile.Read(ref inFlight);
                    if (now >= nextSample)
                    {
                        samples.Add((now, current));
                        nextSample += SampleTicks;
                    }
                    if (current > limit)
                    {
                        gaveUpAt = (now - start) / (double)Stopwatch.Frequency;
                        break;
                    }
                    while (issued < total && Intended(issued) <= now)
                    {
                        var i = issued++;
                        var requestPath = path(random);
                        Interlocked.Increment(ref inFlight);
                        // On the pool, not here: a send that has to open a connection must not delay the schedule.
                        tasks[i] = Task.Run(() => SendAsync(i, requestPath), CancellationToken.None);
                    }
                    if (issued >= total) break;
                    var waitMs = (Intended(issued) - Stopwatch.GetTimestamp()) * 1000.0 / Stopwatch.Frequency;
                    // Sleep(n) oversleeps by up to a millisecond, so sleep short and re-check rather than spin.
                    Thread.Sleep(Math.Max(1, (int)waitMs - 1));
                }
                dispatched.SetResult();
            }
            catch (Exception ex)
            {
                dispatched.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "open-loop dispatcher",
        };
        dispatcher.Start();
        await dispatched.Task;
        await Task.WhenAll(tasks.Take(issued));
        cancellationToken.ThrowIfCancellationRequested();

        var windowStart = Intended(warmupCount);
        var windowEnd = windowStart + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var seconds = Math.Max(1e-9, (windowEnd - windowStart) / (double)Stopwatch.Frequency);

        // Achieved rate: successful responses that completed inside the window, whichever request they answer.
        var completedInWindow = 0;
        for (var i = 0; i < issued; i++)
            if (ok[i] && done[i] >= windowStart && done[i] < windowEnd) completedInWindow++;

        var latency = new List<double>(measuredCount);
        var service = new List<double>(measuredCount);
        var lag = new List<double>(measuredCount);
        int errors = 0, shedMeasured = 0, sentMeasured = 0;
        long bytes = 0;
        for (var i = warmupCount; i < issued; i++)
        {
            sentMeasured++;
            lag.Add(Ms(sent[i] - Intended(i)));
            if (shed[i])
            {
                shedMeasured++;
                continue;
            }
            if (!ok[i])
            {
                errors++;
                continue;
            }
            latency.Add(Ms(done[i] - Intended(i)));
            service.Add(Ms(done[i] - sent[i]));
            bytes += received[i];
        }

        // Backlog: requests in flight, averaged over the first and the last tenth of the window (at least 1 s each).
        var inWindow = samples.Where(s => s.At >= windowStart && s.At < windowEnd).Select(s => (double)s.InFlight).ToArray();
        var edge = Math.Max(10, inWindow.Length / 10);
        var backlogStart = inWindow.Length == 0 ? double.NaN : inWindow.Take(edge).Average();
        var backlogEnd = inWindow.Length == 0 ? double.NaN : inWindow.TakeLast(edge).Average();
        var growthAllowed = Math.Max(5, rate * 0.005);

        var achieved = completedInWindow / seconds;
        if (gaveUpAt is not null)
        {
            var last = issued == 0 ? start : done.Take(issued).Max();
            achieved = ok.Take(issued).Count(o => o) / Math.Max(1e-9, (last - start) / (double)Stopwatch.Frequency);
        }
        string verdict;
        if (gaveUpAt is { } at)
            verdict = $"gave up after {at:F1} s: more than {limit} requests in flight";
        else if (achieved < HeldShare * rate)
            verdict = $"achieved {achieved:F0}/s < {HeldShare:P0} of {rate:F0}/s";
        else if (!(backlogEnd - backlogStart <= growthAllowed))
            verdict = $"backlog grew from {backlogStart:F1} to {backlogEnd:F1} in flight";
        else
            verdict = "held";

        return new OpenLoopResult(name, pathPattern, rate, seconds, measuredCount, sentMeasured, latency.Count, errors, shedMeasured, achieved,
            verdict == "held", verdict, backlogStart, backlogEnd, samples.Count == 0 ? 0 : samples.Max(s => s.InFlight),
            latency.Count == 0 ? 0 : (double)bytes / latency.Count,
            LatencySummary.Of([.. latency]), LatencySummary.Of([.. service]), LatencySummary.Of([.. lag]));
    }

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

/// <summary>Result of one open-loop phase.</summary>
/// <param name="Name">Phase name.</param>
/// <param name="Path">Request path pattern.</param>
/// <param name="TargetRate">Requests per second scheduled.</param>
/// <param name="MeasuredSeconds">Length of the measured window (of intended send times).</param>
/// <param name="Scheduled">Requests scheduled in the window.</param>
/// <param name="Sent">Of those, requests sent (fewer when the phase gave up).</param>
/// <param name="Completed">Of those, successful responses.</param>
/// <param name="Errors">Of those, failed requests (non-2xx other than shed ones, exceptions, timeouts).</param>
/// <param name="Shed">Of those, requests the silo shed (429 or 503 with <c>Retry-After</c>).</param>
/// <param name="AchievedRate">
/// Successful responses completed inside the window, per second; when the phase gave up, successful responses per
/// second from the first send to the last completion (what the server delivered while overloaded).
/// </param>
/// <param name="Held">The rate was held: see <paramref name="Verdict"/>.</param>
/// <param name="Verdict">"held", or why not: the phase gave up, fewer than 99% of the rate completed, or the backlog grew.</param>
/// <param name="BacklogStart">Mean requests in flight over the first tenth of the window (at least 1 s).</param>
/// <param name="BacklogEnd">Mean requests in flight over the last tenth of the window (at least 1 s).</param>
/// <param name="MaxInFlight">Most requests in flight at a 100 ms sample, warm-up included.</param>
/// <param name="MeanResponseBytes">Mean body size.</param>
/// <param name="Latency">Intended send time to last body byte, successful requests.</param>
/// <param name="ServiceTime">Actual send to last body byte, successful requests.</param>
/// <param name="SendLag">Intended to actual send time (the dispatcher's and the thread pool's delay), all sent requests.</param>
/// <param name="Resources">GCs and CPU during the measured window.</param>
public sealed record OpenLoopResult(string Name, string Path, double TargetRate, double MeasuredSeconds, int Scheduled, int Sent,
    int Completed, int Errors, int Shed, double AchievedRate, bool Held, string Verdict, double BacklogStart, double BacklogEnd, int MaxInFlight,
    double MeanResponseBytes, LatencySummary Latency, LatencySummary ServiceTime, LatencySummary SendLag, ResourceUse? Resources = null);
