using System.Diagnostics;
using System.Net;

namespace Personalization.LoadGenerator;

/// <summary>
/// N workers, each sending its next request as soon as the previous one completed (closed loop): an unmeasured
/// warm-up, then a measured window. Every latency of the window is kept in a preallocated array.
/// </summary>
public static class ClosedLoop
{
    /// <summary>Runs one phase against <paramref name="http"/>; <paramref name="path"/> picks each request's path.</summary>
    public static async Task<PhaseResult> RunAsync(string name, string pathPattern, HttpClient http, Func<Random, string> path,
        int workers, TimeSpan warmup, TimeSpan duration, int maxRequests, int seed, CancellationToken cancellationToken)
    {
        var perWorker = Math.Max(1, maxRequests / workers);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var measureTo = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() =>
            WorkerAsync(http, path, new Random(HashCode.Combine(seed, name, w)), measureFrom, measureTo, perWorker, cancellationToken), cancellationToken)));

        var latencies = new double[results.Sum(r => r.Count)];
        var offset = 0;
        foreach (var r in results)
        {
            Array.Copy(r.Latencies, 0, latencies, offset, r.Count);
            offset += r.Count;
        }
        // The window runs from its start to the last completion inside it (requests sent before its end count
        // whole, so it can exceed the duration by one request; it is shorter when the arrays filled up first).
        var lastEnd = results.Max(r => r.LastEnd);
        var seconds = Math.Max(1e-9, (lastEnd - measureFrom) / (double)Stopwatch.Frequency);
        var bytes = results.Sum(r => r.Bytes);
        return new PhaseResult(name, pathPattern, workers, seconds, latencies.Length, results.Sum(r => r.Errors),
            latencies.Length / seconds, latencies.Length == 0 ? 0 : (double)bytes / latencies.Length, LatencySummary.Of(latencies));
    }

    private sealed record WorkerResult(double[] Latencies, int Count, int Errors, long Bytes, long LastEnd);

    private static async Task<WorkerResult> WorkerAsync(HttpClient http, Func<Random, string> path, Random random,
        long measureFrom, long measureTo, int capacity, CancellationToken cancellationToken)
    {
        var latencies = new double[capacity];
        var buffer = new byte[64 * 1024];
        int count = 0, errors = 0, consecutiveErrors = 0;
        long bytes = 0, lastEnd = 0;
        while (!cancellationToken.IsCancellationRequested && count < capacity)
        {
            var sent = Stopwatch.GetTimestamp();
            if (sent >= measureTo) break;
            var ok = false;
            long received = 0;
            try
            {
                using var response = await http.GetAsync(path(random), HttpCompletionOption.ResponseHeadersRead, cancellationToken);
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0) received += read;
                ok = response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            var done = Stopwatch.GetTimestamp();
            consecutiveErrors = ok ? 0 : consecutiveErrors + 1;
            if (consecutiveErrors >= 1000) throw new InvalidOperationException($"1000 consecutive failed requests (last: {path(random)}); is the gateway serving?");
            if (!ok && consecutiveErrors > 10) await Task.Delay(10, cancellationToken); // don't spin on a failing server
            if (sent < measureFrom) continue; // warm-up
            lastEnd = done;
            if (!ok) { errors++; continue; }
            latencies[count++] = Stopwatch.GetElapsedTime(sent, done).TotalMilliseconds;
            bytes += received;
        }
        return new WorkerResult(latencies, count, errors, bytes, lastEnd);
    }
}
