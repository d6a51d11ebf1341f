namespace Personalization.Runtime.Streams;

/// <summary>
/// Records dispatched from one partition and not yet known complete. Grains finish out of order, so the
/// committable position is the first record still in flight. Used only from the consumer thread.
/// </summary>
internal sealed class PartitionProgress(long committed)
{
    private readonly Queue<(long Offset, Task Done)> _inFlight = new();

    /// <summary>The offset last committed (the next record to read after a restart).</summary>
    public long Committed { get; set; } = committed;

    /// <summary>The offset after the last record completed in order.</summary>
    public long CompletedUpTo { get; private set; } = committed;

    public int InFlight => _inFlight.Count;

    public void Add(long offset, Task done)
    {
        _inFlight.Enqueue((offset, done));
        Advance();
    }

    public void Advance()
    {
        // A failed record is not complete: the position stays before it, so whoever owns the partition
        // next replays it.
        while (_inFlight.TryPeek(out var head) && head.Done.IsCompletedSuccessfully)
        {
            _inFlight.Dequeue();
            CompletedUpTo = head.Offset + 1;
        }
        if (_inFlight.Count == 0 && CompletedUpTo < Committed) CompletedUpTo = Committed;
    }

    /// <summary>Blocks until every record dispatched so far completed.</summary>
    public void WaitAll(TimeSpan timeout)
    {
        var tasks = _inFlight.Select(e => e.Done).ToArray();
        if (tasks.Length > 0) Task.WhenAll(tasks).ContinueWith(static _ => { }, TaskScheduler.Default).Wait(timeout);
        Advance();
    }

    /// <summary>Waits for the oldest record in flight (back-pressure).</summary>
    public void WaitOldest(TimeSpan timeout)
    {
        if (_inFlight.TryPeek(out var head)) head.Done.ContinueWith(static _ => { }, TaskScheduler.Default).Wait(timeout);
        Advance();
    }
}
