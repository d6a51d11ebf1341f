using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Personalization.Grains.Items;

/// <summary>
/// The silo's live view of item popularity, fed by item grains as they apply events. Rankings decay
/// every score to the same instant, so old bursts fade by themselves.
/// </summary>
public sealed class TrendingBoard(IOptions<TrendingOptions> options)
{
    private readonly ConcurrentDictionary<string, (double Value, long AtMs)> _scores = new(StringComparer.Ordinal);
    private readonly double _lambdaPerMs = Math.Log(2) / options.Value.HalfLife.TotalMilliseconds;
    private volatile Snapshot? _cached;

    private sealed record Snapshot(long TakenAtMs, IReadOnlyList<(string ItemId, double Score)> Ranking);

    /// <summary>Decays <paramref name="value"/> measured at <paramref name="fromMs"/> to <paramref name="toMs"/>.</summary>
    public double Decay(double value, long fromMs, long toMs) =>
        toMs <= fromMs ? value : value * Math.Exp(-_lambdaPerMs * (toMs - fromMs));

    /// <summary>Records an item's popularity as of a time.</summary>
    public void Report(string itemId, double value, long atMs)
    {
        _scores[itemId] = (value, atMs);
        _cached = null;
    }

    /// <summary>The most popular items right now, best first (re-ranked at most every 200 ms).</summary>
    public IReadOnlyList<(string ItemId, double Score)> Top(int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var snapshot = _cached;
        if (snapshot is null || now - snapshot.TakenAtMs > 200 || snapshot.Ranking.Count < Math.Min(count, _scores.Count))
        {
            var ranking = _scores
                .Select(p => (ItemId: p.Key, Score: Decay(p.Value.Value, p.Value.AtMs, now)))
                .Where(p => p.Score > 1e-6)
                .OrderByDescending(p => p.Score).ThenBy(p => p.ItemId, StringComparer.Ordinal)
                .Take(Math.Max(count, 500)).ToList();
            _cached = snapshot = new Snapshot(now, ranking);
        }
        return snapshot.Ranking.Count <= count ? snapshot.Ranking : snapshot.Ranking.Take(count).ToList();
    }
}
