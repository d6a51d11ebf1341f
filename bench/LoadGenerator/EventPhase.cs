using System.Diagnostics;
using Personalization.Client;
using Personalization.Contracts;

namespace Personalization.LoadGenerator;

/// <summary>
/// Event-to-visible: for each fresh user, POST one play event, then poll <c>GET /v1/users/{u}</c> back to back until
/// it reports one interaction. Records the POST's acknowledgement time and the time until the event was visible.
/// </summary>
public static class EventPhase
{
    /// <summary>Events posted and awaited, one at a time, before the measured ones.</summary>
    public const int WarmupEvents = 10;

    /// <summary>Runs the phase; <paramref name="onMeasuredStart"/> is called when the warm-up is over.</summary>
    public static async Task<EventPhaseResult> RunAsync(PersonalizationClient client, string runId, int users, int items,
        int workers, TimeSpan visibleTimeout, TimeSpan budget, int seed, Action onMeasuredStart, CancellationToken cancellationToken)
    {
        // Unmeasured warm-up: the first events pay for connections and first-use code paths.
        for (var w = 0; w < WarmupEvents && !cancellationToken.IsCancellationRequested; w++)
        {
            var user = $"load-{runId}-warmup-{w + 1}";
            await client.TrackAsync([new InteractionEvent { UserId = user, ItemId = $"i{w + 1}", Type = InteractionType.Play }], cancellationToken);
            var started = Stopwatch.StartNew();
            while ((await client.GetUserAsync(user, recent: 0, cancellationToken)).Interactions < 1 && started.Elapsed < visibleTimeout) { }
        }

        onMeasuredStart();
        var phase = Stopwatch.StartNew();
        var ack = new double[users];
        var visible = new double[users];
        var ok = new bool[users];
        var polls = new int[users];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(HashCode.Combine(seed, "events", w));
            int i;
            while ((i = Interlocked.Increment(ref next)) < users && !cancellationToken.IsCancellationRequested && phase.Elapsed < budget)
            {
                var user = $"load-{runId}-{i + 1}";
                var item = $"i{random.Next(1, items + 1)}";
                try
                {
                    var sent = Stopwatch.GetTimestamp();
                    await client.TrackAsync([new InteractionEvent { UserId = user, ItemId = item, Type = InteractionType.Play }], cancellationToken);
                    ack[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                    while (Stopwatch.GetElapsedTime(sent) < visibleTimeout)
                    {
                        polls[i]++;
                        var view = await client.GetUserAsync(user, recent: 0, cancellationToken);
                        if (view.Interactions >= 1)
                        {
                            visible[i] = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                            ok[i] = true;
                            break;
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or PersonalizationApiException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    Console.Error.WriteLine($"event for {user}: {ex.Message}");
                }
            }
        }, cancellationToken)));

        var seen = Enumerable.Range(0, users).Where(i => ok[i]).ToArray();
        return new EventPhaseResult(users, seen.Length, users - seen.Length, workers,
            seen.Length == 0 ? 0 : seen.Average(i => polls[i]),
            LatencySummary.Of(seen.Select(i => ack[i]).ToArray()),
            LatencySummary.Of(seen.Select(i => visible[i]).ToArray()));
    }
}
