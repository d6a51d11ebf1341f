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
    /// <summary>How long a ranking is reused: events arrive many times a second, and a page need not see each at once.</summary>
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(200);

    // Enough for any row (Top asks for count·4 + 50) and for the report to other silos.
    private const int RankedItems = 500;

    private readonly ConcurrentDictionary<string, (double Value, long AtMs)> _scores = new(StringComparer.Ordinal);
    private readonly double _lambdaPerMs = Math.Log(2) / options.Value.HalfLife.TotalMilliseconds;
    private readonly Lock _rebuild = new();
    private volatile Snapshot? _cached;

    private sealed record Snapshot(long TakenAtMs, (string ItemId, double Score)[] Ranking);

    /// <summary>Decays <paramref name="value"/> measured at <paramref name="fromMs"/> to <paramref name="toMs"/>.</summary>
    public double Decay(double value, long fromMs, long toMs) =>
        toMs <= fromMs ? value : value * Math.Exp(-_lambdaPerMs * (toMs - fromMs));

    /// <summary>Records an item's popularity as of a time; rankings show it within <see cref="RefreshInterval"/>.</summary>
    public void Report(string itemId, double value, long atMs) => _scores[itemId] = (value, atMs);

    /// <summary>
    /// The most popular items right now, best first (re-ranked at most every <see cref="RefreshInterval"/>): a view of
    /// the shared ranking, so a page's Trending row copies nothing.
    /// </summary>
    public ReadOnlySpan<(string ItemId, double Score)> Top(int count)
    {
        var now = (time ?? TimeProvider.System).GetUtcNow().ToUnixTimeMilliseconds();
        var snapshot = _cached;
        if (snapshot is null || now - snapshot.TakenAtMs > RefreshInterval.TotalMilliseconds
            || (snapshot.Ranking.Length < count && snapshot.Ranking.Length < _scores.Count))
        {
            // One request re-ranks; the others keep the last ranking meanwhile.
            if (snapshot is null || _rebuild.TryEnter())
            {
                try
                {
                    var kept = Math.Max(count, RankedItems);
                    var merged = new Dictionary<string, double>(StringComparer.Ordinal);
                    foreach (var (itemId, score) in Ranked(now, kept)) merged[itemId] = score;
                    foreach (var (itemId, score) in Remote(now)) merged[itemId] = Math.Max(score, merged.GetValueOrDefault(itemId));
                    var ranking = merged.Select(p => (ItemId: p.Key, Score: p.Value)).ToArray();
                    Array.Sort(ranking, static (a, b) => b.Score.CompareTo(a.Score) is var c && c != 0 ? c : string.CompareOrdinal(a.ItemId, b.ItemId));
                    _cached = snapshot = new Snapshot(now, ranking.Length > kept ? ranking[..kept] : ranking);
                }
                finally
                {
                    if (_rebuild.IsHeldByCurrentThread) _rebuild.Exit();
                }
            }
        }
        return snapshot.Ranking.AsSpan(0, Math.Min(count, snapshot.Ranking.Length));
    }

    /// <summary>
    /// This silo's own best <paramref name="count"/> items, best first, decayed to <paramref name="now"/> (unix ms): a
    /// bounded heap over the scores, so a catalog of any size costs no sort of it and no large array.
    /// </summary>
    public List<(string ItemId, double Score)> Ranked(long now, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // A min-heap of the best so far: its root is the weakest kept (lowest score, then the greatest id).
        var best = new PriorityQueue<(string ItemId, double Score), (double Score, string ItemId)>(
            Comparer<(double Score, string ItemId)>.Create(static (a, b) => a.Score.CompareTo(b.Score) is var c && c != 0 ? c : string.CompareOrdinal(b.ItemId, a.ItemId)));
        if (count > 0)
        {
            foreach (var (itemId, (value, atMs)) in _scores)
            {
                var score = Decay(value, atMs, now);
                if (!(score > 1e-6)) continue;
                if (best.Count < count) best.Enqueue((itemId, score), (score, itemId));
                else if (best.TryPeek(out _, out var weakest) && (score > weakest.Score || (score == weakest.Score && string.CompareOrdinal(itemId, weakest.ItemId) < 0)))
                    best.EnqueueDequeue((itemId, score), (score, itemId));
            }
        }
        var ranked = new List<(string ItemId, double Score)>(best.Count);
        while (best.TryDequeue(out var entry, out _)) ranked.Add(entry);
        ranked.Reverse();
        return ranked;
    }

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
