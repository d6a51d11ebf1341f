using Personalization.Runtime.Streams;

namespace Personalization.Tests.Runtime;

public sealed class PartitionProgressTests
{
    [Fact]
    public void The_commit_position_stops_at_the_first_record_still_in_flight()
    {
        var progress = new PartitionProgress(committed: 10);
        var slow = new TaskCompletionSource();
        progress.Add(10, Task.CompletedTask);
        progress.Add(11, slow.Task);
        progress.Add(12, Task.CompletedTask);
        Assert.Equal(11, progress.CompletedUpTo); // 12 is done but 11 is not: committing 13 would lose 11
        slow.SetResult();
        progress.Advance();
        Assert.Equal(13, progress.CompletedUpTo);
        Assert.Equal(0, progress.InFlight);
    }

    [Fact]
    public void A_failed_record_holds_the_position_so_the_next_owner_replays_it()
    {
        var progress = new PartitionProgress(committed: 0);
        progress.Add(0, Task.CompletedTask);
        progress.Add(1, Task.FromException(new InvalidOperationException("partition moved away")));
        progress.Add(2, Task.CompletedTask);
        progress.WaitAll(TimeSpan.FromSeconds(1));
        Assert.Equal(1, progress.CompletedUpTo);
    }
}
