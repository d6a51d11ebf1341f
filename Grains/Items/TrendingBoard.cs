using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Personalization.Grains.Cluster;

namespace Personalization.Grains.Items;

/// <summary>
/// The cluster's live view of item popularity. This silo's item grains report here as they apply
/// events; the other silos' top items arrive with their silo reports (each item grain lives on one
/// silo, so entries do not overlap). Rankings decay every score to the same instant, so old bursts fade.
/// </summary>
public sealed class TrendingBoard(IOptions<TrendingOptions> options, ClusterReports? reports = null, TimeProvider? time = null)
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
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        var snapshot = _cached;
        if (snapshot is null || now - snapshot.TakenAtMs > 200 || snapshot.Ranking.Count < Math.Min(count, _scores.Count))
        {
            var merged = new Dictionary<string, double>(StringComparer.Ordinal);
            foreach (var (itemId, score) in Ranked(now)) merged[itemId] = score;
            foreach (var (itemId, score) in Remote(now)) merged[itemId] = Math.Max(score, merged.GetValueOrDefault(itemId));
            var ranking = merged.Select(p => (ItemId: p.Key, Score: p.Value))
                .OrderByDescending(p => p.Score).ThenBy(p => p.ItemId, StringComparer.Ordinal)
                .Take(Math.Max(count, 500)).ToList();
            _cached = snapshot = new Snapshot(now, ranking);
        }
        return snapshot.Ranking.Count <= count ? snapshot.Ranking : snapshot.Ranking.Take(count).ToList();
    }

    /// <summary>This silo's own items, best first, decayed to <paramref name="now"/> (unix ms).</summary>
    public IEnumerable<(string ItemId, double Score)> Ranked(long now) => _scores
        .Select(p => (ItemId: p.Key, Score: Decay(p.Value.Value, p.Value.AtMs, now)))
        .Where(p => p.Score > 1e-6)
        .OrderByDescending(p => p.Score).ThenBy(p => p.ItemId, StringComparer.Ordinal);

    private IEnumerable<(string ItemId, double Score)> Remote(long now)
    {
        if (reports is null) yield break;
        foreach (var report in reports.All)
        {
            if (report.SiloAddress == reports.Self) continue;
            var at = report.At.ToUnixTimeMilliseconds();
            foreach (var (itemId, value) in report.Trending) yield return (itemId, Decay(value, at, now));
        }
    }
}
