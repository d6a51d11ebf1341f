using Personalization.Streaming.Providers;

namespace Personalization.Tests.Streaming;

/// <summary>The commit rule: an offset is committed only when everything before it is delivered and tapped.</summary>
public sealed class PartitionCheckpointTests
{
    [Fact]
    public void The_commit_position_stops_at_the_first_record_not_delivered()
    {
        var checkpoint = new PartitionCheckpoint(10);
        foreach (var offset in new long[] { 10, 11, 13, 14 }) checkpoint.Read(offset, "k", null); // 12 is a gap in the log
        Assert.Equal(10, checkpoint.Committable());
        checkpoint.Delivered(11);
        checkpoint.Delivered(13);
        Assert.Equal(10, checkpoint.Committable()); // 10 is still with its grain
        checkpoint.Delivered(10);
        Assert.Equal(14, checkpoint.Committable()); // after 13; 14 not delivered
        checkpoint.CommittedUpTo(14);
        Assert.Equal(1, checkpoint.InFlight);
        checkpoint.Delivered(14);
        Assert.Equal(15, checkpoint.Committable());
    }

    [Fact]
    public void A_record_whose_delivery_failed_holds_the_position_so_the_next_owner_replays_it()
    {
        var checkpoint = new PartitionCheckpoint(0);
        for (var offset = 0; offset < 5; offset++) checkpoint.Read(offset, "k", null);
        // Orleans never reports record 2 (its delivery failed): later records are delivered, the position is not.
        foreach (var offset in new long[] { 0, 1, 3, 4 }) checkpoint.Delivered(offset);
        Assert.Equal(2, checkpoint.Committable());
    }

    [Fact]
    public async Task A_record_is_not_done_until_the_taps_work_on_it_completed()
    {
        var checkpoint = new PartitionCheckpoint(0);
        var produced = new TaskCompletionSource();
        checkpoint.Read(0, "k", produced.Task);
        checkpoint.Read(1, "k", Task.CompletedTask);
        checkpoint.Delivered(0);
        checkpoint.Delivered(1);
        Assert.Equal(0, checkpoint.Committable());
        produced.SetResult();
        await produced.Task;
        Assert.Equal(2, checkpoint.Committable());
        var failed = Task.FromException(new InvalidOperationException("not acknowledged"));
        checkpoint.Read(2, "k", failed);
        checkpoint.Delivered(2);
        Assert.Equal(2, checkpoint.Committable()); // a failed produce is never done
    }
}
