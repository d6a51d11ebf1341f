using Personalization.Streaming.Providers;

namespace Personalization.Grains.Streams;

/// <summary>
/// What a stream-fed grain's state has applied: per source partition, the last offset, in one log epoch. Saved with
/// the state it describes, so a replay after a failover skips exactly the records the durable state already holds.
/// </summary>
public sealed class StreamPosition
{
    /// <summary>The log incarnation the offsets refer to (a fresh mock cluster restarts at offset 0).</summary>
    public string? Epoch { get; set; }

    /// <summary>Last applied offset per partition.</summary>
    public Dictionary<int, long> Offsets { get; set; } = [];

    /// <summary>True when the state already holds <paramref name="record"/>.</summary>
    public bool Covers(KafkaRecord record) => Covers(record.Epoch, record.Partition, record.Offset);

    /// <summary>True when the state holds the record at <paramref name="offset"/> of <paramref name="partition"/>.</summary>
    public bool Covers(string epoch, int partition, long offset) =>
        Epoch == epoch && Offsets.TryGetValue(partition, out var applied) && offset <= applied;

    /// <summary>Records that the state now holds <paramref name="record"/>.</summary>
    public void Advance(KafkaRecord record)
    {
        if (Epoch != record.Epoch)
        {
            // Offsets of another log mean nothing in this one.
            Epoch = record.Epoch;
            Offsets.Clear();
        }
        Offsets[record.Partition] = record.Offset;
    }
}
