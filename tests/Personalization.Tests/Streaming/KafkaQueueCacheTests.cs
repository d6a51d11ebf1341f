using Orleans.Providers.Streams.Common;
using Orleans.Streams;
using Personalization.Streaming.Providers;

namespace Personalization.Tests.Streaming;

/// <summary>
/// The stream-indexed queue cache: a cursor sees only its stream's records in log order, and a record is purged
/// (reported delivered) only once the gather that handed it out is over, that is when its cursor moves again.
/// </summary>
public sealed class KafkaQueueCacheTests
{
    private static KafkaBatchContainer Record(string key, long offset) =>
        new(new KafkaRecord("e", "t", 0, offset, key, [], DateTimeOffset.UnixEpoch));

    private static List<long> Offsets(IList<IBatchContainer>? items) =>
        items is null ? [] : items.Select(i => ((KafkaBatchContainer)i).Record.Offset).Order().ToList();

    private static bool Moved(IQueueCacheCursor cursor) => cursor.MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success;

    private static List<long> Gather(IQueueCacheCursor cursor)
    {
        var offsets = new List<long>();
        while (Moved(cursor)) offsets.Add(((KafkaBatchContainer)cursor.GetCurrent(out _)!).Record.Offset);
        return offsets;
    }

    [Fact]
    public void A_cursor_sees_only_its_own_stream_in_log_order()
    {
        var cache = new KafkaQueueCache(32);
        cache.AddToCache([Record("a", 0), Record("b", 1), Record("a", 2), Record("c", 3), Record("a", 4)]);
        var a = cache.GetCacheCursor(Record("a", 0).StreamId, new EventSequenceTokenV2(0));
        var b = cache.GetCacheCursor(Record("b", 0).StreamId, new EventSequenceTokenV2(1));
        Assert.Equal([0, 2, 4], Gather(a));
        Assert.Equal([1], Gather(b));
        cache.AddToCache([Record("a", 5), Record("b", 6)]);
        Assert.Equal([5], Gather(a));
        Assert.Equal([6], Gather(b));
    }

    [Fact]
    public void A_cursor_starts_at_its_token_or_at_what_arrives_next()
    {
        var cache = new KafkaQueueCache(32);
        cache.AddToCache([Record("a", 0), Record("a", 2), Record("a", 4)]);
        var stream = Record("a", 0).StreamId;
        Assert.Equal([2, 4], Gather(cache.GetCacheCursor(stream, new EventSequenceTokenV2(1))));
        var latest = cache.GetCacheCursor(stream, null);
        Assert.Empty(Gather(latest));
        cache.AddToCache([Record("a", 7)]);
        Assert.Equal([7], Gather(latest));
    }

    [Fact]
    public void Records_are_purged_only_after_the_gather_that_handed_them_out()
    {
        var cache = new KafkaQueueCache(2);
        var stream = Record("a", 0).StreamId;
        cache.AddToCache([Record("a", 0), Record("a", 1), Record("a", 2), Record("b", 3)]);
        var cursor = cache.GetCacheCursor(stream, new EventSequenceTokenV2(0));
        var other = cache.GetCacheCursor(Record("b", 0).StreamId, new EventSequenceTokenV2(3));

        // The first gather takes two records (the batch size); they are being delivered, so nothing is purged yet.
        Assert.True(Moved(cursor));
        Assert.True(Moved(cursor));
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.Equal(4, cache.Count);

        // The next gather starts: 0 and 1 were delivered.
        Assert.True(Moved(cursor));
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([0, 1], Offsets(purged));

        // The gather ends (no more records) while 2 is delivered; it is purged when the cursor moves again.
        Assert.False(Moved(cursor));
        Assert.False(cache.TryPurgeFromCache(out _));
        Assert.False(Moved(cursor));
        Assert.True(cache.TryPurgeFromCache(out purged));
        Assert.Equal([2], Offsets(purged));
        Assert.Equal(1, cache.Count); // b's record is with its own cursor, untouched
        Assert.Equal([3], Gather(other));
    }

    [Fact]
    public void A_stream_without_a_cursor_does_not_hold_its_records()
    {
        var cache = new KafkaQueueCache(32);
        cache.AddToCache([Record("nobody", 0), Record("nobody", 1)]);
        Assert.True(cache.TryPurgeFromCache(out var purged));
        Assert.Equal([0, 1], Offsets(purged));
        Assert.Equal(0, cache.Count);

        // A pinned stream holds its records until the pin goes and no other cursor wants them.
        cache.AddToCache([Record("a", 2)]);
        var pin = cache.GetCacheCursor(Record("a", 0).StreamId, new EventSequenceTokenV2(2));
        Assert.False(cache.TryPurgeFromCache(out _));
        pin.Dispose();
        Assert.True(cache.TryPurgeFromCache(out purged));
        Assert.Equal([2], Offsets(purged));
    }
}
