using System.Threading.Channels;
using Personalization.Contracts;

namespace Personalization.Client.Events;

/// <summary>
/// Sends events in batches (one <c>POST /v1/events</c> per up to <see cref="PersonalizationClientOptions.EventBatchSize"/>
/// events, or every <see cref="PersonalizationClientOptions.EventFlushInterval"/>) from a bounded queue: when the
/// cluster is slower than the producer, <see cref="TrackAsync"/> waits instead of buffering without limit.
/// </summary>
/// <remarks>
/// A batch the gateway rejects (400: an invalid event) is reported through <see cref="Failed"/> and the error
/// callback and not retried; transient failures are retried by the client's retry policy, and a batch that still
/// fails is kept and sent again, so no event is dropped silently.
/// </remarks>
public sealed class EventBatcher : IAsyncDisposable
{
    private readonly PersonalizationClient _client;
    private readonly PersonalizationClientOptions _options;
    private readonly Action<IReadOnlyList<InteractionEvent>, Exception>? _onRejected;
    private readonly Channel<InteractionEvent> _queue;
    private readonly Task _loop;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new();
    private readonly List<(long Sequence, TaskCompletionSource Done)> _flushes = [];
    private long _enqueued, _completed, _sent, _failed;

    /// <summary>Starts the sender.</summary>
    /// <param name="client">The client that posts the batches.</param>
    /// <param name="options">Batch size, queue capacity, flush interval.</param>
    /// <param name="onRejected">Called with a batch the gateway rejected and the error.</param>
    public EventBatcher(PersonalizationClient client, PersonalizationClientOptions options, Action<IReadOnlyList<InteractionEvent>, Exception>? onRejected = null)
    {
        _client = client;
        _options = options;
        _onRejected = onRejected;
        _queue = Channel.CreateBounded<InteractionEvent>(new BoundedChannelOptions(options.EventQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, SingleReader = true,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Events acknowledged by the cluster.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Events in batches the gateway rejected as invalid.</summary>
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>Queues an event; waits while the queue is full (back-pressure).</summary>
    public async ValueTask TrackAsync(InteractionEvent e, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(e);
        await _queue.Writer.WriteAsync(e, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _enqueued);
    }

    /// <summary>Completes when every event queued before the call was acknowledged or rejected.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var target = Interlocked.Read(ref _enqueued);
            if (Interlocked.Read(ref _completed) >= target) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _flushes.Add((target, done));
            return done.Task.WaitAsync(cancellationToken);
        }
    }

    private async Task RunAsync()
    {
        var batch = new List<InteractionEvent>(_options.EventBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Fill the batch: what is queued now, then whatever arrives within the flush interval.
            using (var window = new CancellationTokenSource(_options.EventFlushInterval))
            {
                try
                {
                    while (batch.Count < _options.EventBatchSize)
                    {
                        if (reader.TryRead(out var e)) batch.Add(e);
                        else if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false)) break;
                    }
                }
                catch (OperationCanceledException) when (window.IsCancellationRequested)
                {
                    // The interval is over: send what we have.
                }
            }
            if (batch.Count == 0) continue;
            await SendAsync(batch).ConfigureAwait(false);
            Complete(batch.Count);
            batch.Clear();
        }
    }

    private async Task SendAsync(List<InteractionEvent> batch)
    {
        var delay = _options.RetryDelay;
        while (true)
        {
            try
            {
                await _client.TrackAsync(batch, _stop.Token).ConfigureAwait(false);
                Interlocked.Add(ref _sent, batch.Count);
                return;
            }
            catch (PersonalizationApiException ex) when ((int)ex.Status is >= 400 and < 500 and not 408 and not 429)
            {
                Interlocked.Add(ref _failed, batch.Count);
                _onRejected?.Invoke(batch.ToList(), ex);
                return;
            }
            catch (Exception) when (!_stop.IsCancellationRequested)
            {
                // The retry policy gave up (cluster down, deadline): keep the batch and try again later.
                await Task.Delay(delay).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    private void Complete(int count)
    {
        lock (_gate)
        {
            var completed = Interlocked.Add(ref _completed, count);
            for (var i = _flushes.Count - 1; i >= 0; i--)
            {
                if (_flushes[i].Sequence > completed) continue;
                _flushes[i].Done.TrySetResult();
                _flushes.RemoveAt(i);
            }
        }
    }

    /// <summary>Sends what is queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
