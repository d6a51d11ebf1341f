using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Personalization.Grains.Items;

namespace Personalization.Tests.Grains;

/// <summary>The live popularity ranking: a bounded selection equal to a full sort, refreshed at most every 200 ms.</summary>
public sealed class TrendingBoardTests
{
    [Fact]
    public void Ranked_is_the_best_n_of_a_full_sort_ties_by_id()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var board = new TrendingBoard(Options.Create(new TrendingOptions()), time: clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        var random = new Random(3);
        var reported = new List<(string ItemId, double Score)>();
        for (var i = 0; i < 5_000; i++)
        {
            // Whole numbers, so many ties; some reported a while ago (decayed), some not at all (zero).
            var value = random.Next(0, 40);
            var at = now - random.Next(0, 3) * 600_000;
            board.Report($"i{i}", value, at);
            reported.Add(($"i{i}", board.Decay(value, at, now)));
        }
        var expected = reported.Where(p => p.Score > 1e-6).OrderByDescending(p => p.Score).ThenBy(p => p.ItemId, StringComparer.Ordinal).ToList();

        Assert.Equal(expected.Take(100), board.Ranked(now, 100));
        Assert.Equal(expected, board.Ranked(now, 10_000));
        Assert.Empty(board.Ranked(now, 0));
        Assert.Equal(expected.Take(20).Select(p => p.ItemId), board.Top(20).ToArray().Select(p => p.ItemId));

        // A page's row reads the kept ranking (500 here) in place: asking for 130 of it copies nothing.
        var before = GC.GetAllocatedBytesForCurrentThread();
        var top = board.Top(130);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(expected.Take(130).Select(p => p.ItemId), top.ToArray().Select(p => p.ItemId));
    }

    [Fact]
    public void A_report_shows_in_the_ranking_once_the_refresh_interval_passed()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var board = new TrendingBoard(Options.Create(new TrendingOptions()), time: clock);
        var now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        board.Report("a", 5, now);
        board.Report("b", 3, now);
        Assert.Equal(["a", "b"], board.Top(2).ToArray().Select(p => p.ItemId));

        // A burst on "c": the ranking in use is kept until it is 200 ms old, then "c" leads.
        board.Report("c", 50, now);
        Assert.Equal(["a", "b"], board.Top(2).ToArray().Select(p => p.ItemId));
        clock.Advance(TrendingBoard.RefreshInterval + TimeSpan.FromMilliseconds(1));
        Assert.Equal(["c", "a"], board.Top(2).ToArray().Select(p => p.ItemId));
        // A longer row than the kept ranking holds is ranked at once.
        board.Report("d", 1, now);
        Assert.Equal(["c", "a", "b", "d"], board.Top(10).ToArray().Select(p => p.ItemId));
    }
}
