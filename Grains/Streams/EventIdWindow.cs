namespace Personalization.Grains.Streams;

/// <summary>
/// The idempotency keys a grain applied recently, part of its persistent state: a client that retries a request
/// answered 503 may resend events that were already written, as new records, and each is applied once. Time is the
/// log's (the record's timestamp), never the clock, so a replay after a failover decides exactly as the first pass did.
/// </summary>
public sealed class EventIdWindow
{
    // Built from Entries on first use after activation; not part of the stored state.
    private HashSet<string>? _index;

    /// <summary>The keys applied, oldest first, with the log time of their records (stored with the state).</summary>
    public List<SeenEventId> Entries { get; set; } = [];

    /// <summary>
    /// Remembers <paramref name="key"/> and returns true, or returns false when it was applied within the window.
    /// Keys older than <paramref name="window"/> before <paramref name="atMs"/> are forgotten, and at most
    /// <paramref name="capacity"/> are kept (the oldest go first).
    /// </summary>
    public bool TryAdd(string key, long atMs, TimeSpan window, int capacity)
    {
        var index = _index ??= new HashSet<string>(Entries.Select(e => e.Key), StringComparer.Ordinal);
        var horizon = atMs - (long)window.TotalMilliseconds;
        var forget = 0;
        while (forget < Entries.Count && Entries[forget].AtMs < horizon) index.Remove(Entries[forget++].Key);
        var added = index.Add(key);
        // Room for the new key: the oldest go first.
        while (added && Entries.Count - forget >= capacity) index.Remove(Entries[forget++].Key);
        Entries.RemoveRange(0, forget);
        if (added) Entries.Add(new SeenEventId(key, atMs));
        return added;
    }
}

/// <summary>An idempotency key a grain applied.</summary>
/// <param name="Key">The key.</param>
/// <param name="AtMs">Unix ms of its record in the log.</param>
public sealed record SeenEventId(string Key, long AtMs);
