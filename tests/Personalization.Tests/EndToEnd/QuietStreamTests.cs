using System.Diagnostics;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// A key that went quiet gives back its registration with the pulling agent (<c>Kafka:StreamInactivityPeriod</c>),
/// and its next events register it again without one being lost or applied twice.
/// </summary>
public sealed class QuietStreamTests
{
    [Fact]
    public async Task A_quiet_users_stream_is_released_and_its_next_events_apply_exactly_once()
    {
        const string user = "quiet-user";
        using var released = new StreamInactiveWatch(user);
        await using var silo = await TestSilo.StartAsync(null, "--Kafka:StreamInactivityPeriod=00:00:01");
        InteractionEvent Play(int i) => new() { UserId = user, ItemId = silo.Model.ItemId(20 + i), Type = InteractionType.Play, EventId = $"quiet-{i}" };

        await silo.Client.TrackAsync(Enumerable.Range(0, 3).Select(Play));
        await TestSilo.EventuallyAsync(() => silo.Client.GetUserAsync(user), u => u.Interactions == 3, TimeSpan.FromSeconds(30), "the first plays to apply");
        // Orleans reports the stream inactive when its pulling agent drops it (consumers and cache cursor).
        await TestSilo.EventuallyAsync(() => Task.FromResult(released.Count), n => n > 0, TimeSpan.FromSeconds(60), "the quiet stream to be released");

        // The next events (one of them a retry of an old id) register the stream again.
        await silo.Client.TrackAsync(Enumerable.Range(2, 4).Select(Play));
        var view = await TestSilo.EventuallyAsync(() => silo.Client.GetUserAsync(user, recent: 100), u => u.Interactions >= 6, TimeSpan.FromSeconds(30),
            "the plays after the release to apply");
        Assert.Equal(6, view.Interactions);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => silo.Model.ItemId(20 + i)).Order(), view.Recent.Select(r => r.ItemId).Order());
    }

    /// <summary>Counts Orleans' <c>StreamInactive</c> diagnostics for streams keyed by one id.</summary>
    private sealed class StreamInactiveWatch : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly string _key;
        private readonly IDisposable _all;
        private readonly List<IDisposable> _subscriptions = [];
        private int _count;

        public StreamInactiveWatch(string key)
        {
            _key = key;
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public int Count => Volatile.Read(ref _count);

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name.StartsWith("Orleans.Streaming", StringComparison.Ordinal))
                lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this));
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
            // The payload names the stream; its key is the user id.
            if (value.Key == "StreamInactive" && value.Value is { } payload
                && payload.GetType().GetField("StreamId")?.GetValue(payload) is Orleans.Runtime.StreamId stream
                && stream.GetKeyAsString() == _key)
                Interlocked.Increment(ref _count);
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }

        public void Dispose()
        {
            _all.Dispose();
            lock (_subscriptions) _subscriptions.ForEach(s => s.Dispose());
        }
    }
}
