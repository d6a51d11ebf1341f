namespace Personalization.Streaming.Providers;

/// <summary>
/// The commit rule of one partition. A record counts as done when Orleans reports it delivered (the grain's handler
/// returned, which it does only once the state holding the record is durable) and the taps' work on it completed.
/// Grains finish out of order, so the committable position is the first record not done; a record whose delivery
/// failed is never reported, so the position stays before it and whoever owns the partition next replays it.
/// </summary>
/// <remarks>Not thread-safe: the pulling agent calls its receiver one call at a time.</remarks>
public sealed class PartitionCheckpoint(long committed)
{
    private readonly Queue<Entry> _inFlight = new();
    private readonly Dictionary<long, Entry> _byOffset = new();

    /// <summary>The offset last committed: where a new owner starts reading.</summary>
    public long Committed { get; set; } = committed;

    /// <summary>Records read and not yet done.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>A record of <paramref name="key"/> was read and handed to Orleans; <paramref name="taps"/> is the taps' work on it, if any.</summary>
    public void Read(long offset, string key, Task? taps)
    {
        var entry = new Entry(offset, key, taps);
        _inFlight.Enqueue(entry);
        _byOffset[offset] = entry;
    }

    /// <summary>Orleans delivered the record at <paramref name="offset"/> to every consumer.</summary>
    public void Delivered(long offset)
    {
        if (_byOffset.TryGetValue(offset, out var entry)) entry.Delivered = true;
    }

    /// <summary>The offset after the last record done in log order: the offset to commit.</summary>
    public long Committable()
    {
        var upTo = Committed;
        foreach (var entry in _inFlight)
        {
            if (!entry.Delivered || entry.Taps is { IsCompletedSuccessfully: false }) break;
            upTo = entry.Offset + 1;
        }
        return Math.Max(upTo, Committed);
    }

    /// <summary>Forgets the records below <paramref name="offset"/>, now committed.</summary>
    public void CommittedUpTo(long offset)
    {
        while (_inFlight.TryPeek(out var head) && head.Offset < offset)
        {
            _inFlight.Dequeue();
            _byOffset.Remove(head.Offset);
        }
        Committed = Math.Max(Committed, offset);
    }

    /// <summary>Each key with records before <paramref name="upTo"/> not yet committed, and its last such offset.</summary>
    public Dictionary<string, long> KeysBefore(long upTo)
    {
        var keys = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var entry in _inFlight)
        {
            if (entry.Offset >= upTo) break;
            keys[entry.Key] = entry.Offset;
        }
        return keys;
    }

    private sealed class Entry(long offset, string key, Task? taps)
    {
        public long Offset { get; } = offset;
        public string Key { get; } = key;
        public Task? Taps { get; } = taps;
        public bool Delivered { get; set; }
    }
}
