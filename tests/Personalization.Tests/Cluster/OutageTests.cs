using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Personalization.Tests.Cluster;

/// <summary>
/// Each of the cluster's servers away under load, multi-process: the Kafka broker (down, or stalled, by the mock
/// cluster's fault injection), PostgreSQL and Redis (Orleans' membership store), both frozen with SIGSTOP. Writes answer 202 or a 503 with Retry-After within a bounded time, never hang and
/// never 500; reads of active users keep serving; when the server returns, everything resumes by itself, and every
/// event is applied exactly once, those accepted with 202 and those retried with their ids after a 503.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class OutageTests(ClusterFixture cluster, ITestOutputHelper output)
{
    // 12 s in CI; OUTAGE_SECONDS=30 for the figures in docs/reliability.md.
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(
        int.TryParse(Environment.GetEnvironmentVariable("OUTAGE_SECONDS"), System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0 ? s : 12);
    // Gateway:EventWriteTimeout (5 s) and the time a frozen connection takes to fail over to a 503: the bound promised.
    private static readonly TimeSpan WriteAnswerBound = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task An_unreachable_broker_gets_bounded_503s_reads_keep_serving_and_every_event_lands_once()
    {
        // The mock cluster's own fault injection: its .NET host cannot be frozen (see DevelopmentBroker).
        var run = await RunThroughAsync("broker", () => BrokerFault("down"));
        Assert.Contains(503, run.WriteStatuses.Keys); // the broker really was away
        Assert.True(run.WriteStatuses.Keys.All(s => s is 202 or 503), run.Describe());
        Assert.True(run.SlowestWrite <= WriteAnswerBound, run.Describe());
        Assert.True(run.ReadStatuses.Keys.All(s => s == 200), run.Describe());
    }

    [Fact]
    public async Task A_frozen_database_keeps_writes_and_reads_of_active_users_serving_and_every_event_lands_once()
    {
        var run = await RunThroughAsync("postgres", () => ProcessPause.Pause(cluster.Postgres.ProcessIds()));
        Assert.True(run.WriteStatuses.Keys.All(s => s == 202), run.Describe());
        Assert.True(run.ReadStatuses.Keys.All(s => s == 200), run.Describe());
    }

    [Fact]
    public async Task A_frozen_membership_store_does_not_stop_the_silos()
    {
        var run = await RunThroughAsync("redis", () => ProcessPause.Pause([cluster.Redis.ProcessId]));
        Assert.True(run.WriteStatuses.Keys.All(s => s == 202), run.Describe());
        Assert.True(run.ReadStatuses.Keys.All(s => s == 200), run.Describe());
    }

    [Fact]
    public async Task A_stalled_broker_gets_bounded_503s_and_every_event_lands_once()
    {
        // Every response delayed past the gateway's write timeout: connections open, nothing answers, as when frozen.
        var run = await RunThroughAsync("stall", () => BrokerFault($"stall {(int)(Outage.TotalMilliseconds)}"));
        Assert.Contains(503, run.WriteStatuses.Keys);
        Assert.True(run.WriteStatuses.Keys.All(s => s is 202 or 503), run.Describe());
        Assert.True(run.SlowestWrite <= WriteAnswerBound, run.Describe());
        Assert.True(run.ReadStatuses.Keys.All(s => s == 200), run.Describe());
    }

    private IDisposable BrokerFault(string command)
    {
        cluster.Broker.FaultAsync(command).GetAwaiter().GetResult();
        return new Cleared(() => cluster.Broker.FaultAsync("up").GetAwaiter().GetResult());
    }

    private sealed class Cleared(Action clear) : IDisposable
    {
        public void Dispose() => clear();
    }

    /// <summary>
    /// Warms 30 users, then writes batches and reads their recommendations through every live gateway for 1 s, during
    /// the outage and for 3 s after it; retries what was refused with the same ids; checks every count.
    /// </summary>
    private async Task<OutageRun> RunThroughAsync(string name, Func<IDisposable> freeze)
    {
        var gateways = cluster.Silos.Where(s => s.IsRunning).ToArray();
        var users = Enumerable.Range(0, 30).Select(i => $"{name}-u{i}").ToArray();
        // Items of their own: the kill -9 test counts plays of i1..i2000 from zero.
        var items = Enumerable.Range(1, 30).Select(i => $"{name}-i{i}").ToArray();
        var expected = new ConcurrentDictionary<string, int>(users.ToDictionary(u => u, _ => 1));
        // Active before the outage: each user's and item's grain holds state.
        var warm = users.Select((u, i) => new InteractionEvent { UserId = u, ItemId = items[i], Type = InteractionType.Play, EventId = $"{name}-warm-{i}" }).ToList();
        Assert.Equal(warm.Count, await gateways[0].Client.TrackAsync(warm));
        await WaitForCountsAsync(gateways[0], expected, TimeSpan.FromSeconds(60));

        var writes = new ConcurrentBag<(InteractionEvent[] Batch, int Status, TimeSpan Took, bool RetryAfter)>();
        var reads = new ConcurrentBag<(int Status, TimeSpan Took)>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            for (var b = 0; !stop.IsCancellationRequested; b++)
            {
                var batch = Enumerable.Range(0, 5).Select(e => new InteractionEvent
                {
                    UserId = users[random.Next(users.Length)], ItemId = items[random.Next(items.Length)], Type = InteractionType.Click,
                    EventId = $"{name}-{w}-{b}-{e}",
                }).ToArray();
                var started = Stopwatch.GetTimestamp();
                int status;
                bool retryAfter;
                try
                {
                    using var response = await gateways[b % gateways.Length].Client.Http.PostAsJsonAsync("v1/events", batch);
                    (status, retryAfter) = ((int)response.StatusCode, response.Headers.RetryAfter is not null);
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    (status, retryAfter) = (0, false); // no answer at all: never acceptable
                }
                writes.Add((batch, status, Stopwatch.GetElapsedTime(started), retryAfter));
                await Task.Delay(100);
            }
        })).ToList();
        var reader = Task.Run(async () =>
        {
            var random = new Random(7);
            for (var r = 0; !stop.IsCancellationRequested; r++)
            {
                var started = Stopwatch.GetTimestamp();
                int status;
                try
                {
                    using var response = await gateways[r % gateways.Length].Client.Http.GetAsync($"v1/users/{users[random.Next(users.Length)]}/recommendations?k=5");
                    status = (int)response.StatusCode;
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    status = 0;
                }
                reads.Add((status, Stopwatch.GetElapsedTime(started)));
                await Task.Delay(20);
            }
        });

        await Task.Delay(TimeSpan.FromSeconds(1));
        using (freeze()) await Task.Delay(Outage);
        var thawed = Stopwatch.GetTimestamp();
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await Task.WhenAll([.. writers, reader]);

        // What was refused is retried with the same ids (as the SDK does), until accepted.
        var retried = 0;
        foreach (var refused in writes.Where(w => w.Status != 202))
        {
            await TestSilo.EventuallyAsync(async () =>
            {
                using var response = await gateways[0].Client.Http.PostAsJsonAsync("v1/events", refused.Batch);
                return response.StatusCode;
            }, s => s == HttpStatusCode.Accepted, TimeSpan.FromSeconds(60), "a refused batch to be accepted on retry");
            retried++;
        }
        foreach (var e in writes.SelectMany(w => w.Batch)) expected.AddOrUpdate(e.UserId, 1, (_, n) => n + 1);
        await WaitForCountsAsync(gateways[0], expected, TimeSpan.FromSeconds(90));

        var run = new OutageRun(
            writes.GroupBy(w => w.Status).ToDictionary(g => g.Key, g => g.Count()),
            reads.GroupBy(r => r.Status).ToDictionary(g => g.Key, g => g.Count()),
            writes.Max(w => w.Took), reads.Max(r => r.Took), writes.Where(w => w.Status == 503).All(w => w.RetryAfter), retried,
            Stopwatch.GetElapsedTime(thawed));
        output.WriteLine($"{name} away for {Outage.TotalSeconds:0} s: {run.Describe()}");
        Assert.True(run.RefusalsSaidWhenToRetry, run.Describe());
        return run;
    }

    /// <summary>Waits until every user's count equals what is expected; a count above it (a double) fails at once.</summary>
    private static async Task WaitForCountsAsync(SiloProcess gateway, ConcurrentDictionary<string, int> expected, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var counts = await Task.WhenAll(expected.Keys.Select(async u =>
            {
                try { return (User: u, Count: (await gateway.Client.GetUserAsync(u, 0)).Interactions); }
                catch (Personalization.Client.PersonalizationApiException) { return (User: u, Count: -1L); }
            }));
            var doubled = counts.Where(c => c.Count > expected[c.User]).ToList();
            Assert.True(doubled.Count == 0, "applied twice: " + string.Join(", ", doubled.Select(d => $"{d.User} {d.Count} > {expected[d.User]}")));
            var behind = counts.Where(c => c.Count != expected[c.User]).ToList();
            if (behind.Count == 0) return;
            if (Stopwatch.GetTimestamp() > deadline)
                Assert.Fail("never applied: " + string.Join(", ", behind.Take(5).Select(b => $"{b.User} {b.Count} < {expected[b.User]}")));
            await Task.Delay(250);
        }
    }

    /// <summary>What the clients saw through one outage.</summary>
    private sealed record OutageRun(Dictionary<int, int> WriteStatuses, Dictionary<int, int> ReadStatuses, TimeSpan SlowestWrite, TimeSpan SlowestRead,
        bool RefusalsSaidWhenToRetry, int Retried, TimeSpan CaughtUpAfterThaw)
    {
        public string Describe() =>
            $"writes {string.Join(", ", WriteStatuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))} (slowest {SlowestWrite.TotalSeconds:F2} s), " +
            $"reads {string.Join(", ", ReadStatuses.OrderBy(p => p.Key).Select(p => $"{p.Key}×{p.Value}"))} (slowest {SlowestRead.TotalSeconds:F2} s), " +
            $"{Retried} refused batches retried, every count exact {CaughtUpAfterThaw.TotalSeconds:F1} s after the thaw";
    }
}
