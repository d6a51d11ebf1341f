using System.Diagnostics;
using System.Globalization;
using Personalization.Recommender;

namespace Personalization.Benchmarks;

/// <summary>
/// Recall@20 of <see cref="QuantizedItemIndex.Search"/> and of <see cref="IvfItemIndex.Search(ReadOnlySpan{float}, Span{int}, Span{float}, ReadOnlySpan{int}, int)"/>
/// against the exact full scan, with the time per search of both, printed as Markdown
/// (<c>dotnet run -c Release --project bench/Personalization.Benchmarks -- recall</c>). Kept out of BenchmarkDotNet,
/// which measures time, not result quality.
/// </summary>
public static class RetrievalRecall
{
    private const int K = RetrievalBenchmarks.K, Top = RetrievalBenchmarks.TopCount, Users = 200;

    /// <summary>
    /// Measures every data set × catalog size × candidate count and writes the table to stdout. "Exact result": the
    /// default search returned the exact rows, order and scores. "Score captured": Σ returned exact scores / Σ true
    /// top-20 scores, averaged over users (all test users' top scores are positive).
    /// </summary>
    public static void Run()
    {
        var invariant = CultureInfo.InvariantCulture;
        int[] candidateCounts = [Top, Top + 4, 2 * Top, 64, QuantizedItemIndex.DefaultCandidateCount(Top)];
        Console.WriteLine($"Recall@{Top} of QuantizedItemIndex.Search vs exact ScoreAll + TopK.Select, {Users} users, k = {K}.");
        Console.WriteLine();
        Console.WriteLine("| data | items | " + string.Join(" | ", candidateCounts.Select(c => $"recall, {c} candidates")) +
            " | exact result (default) | score captured (default) | flat µs/search | IVF lists probed | IVF recall | IVF µs/search |");
        Console.WriteLine("|---|--:|" + string.Concat(candidateCounts.Select(_ => "--:|")) + "--:|--:|--:|--:|--:|--:|");
        foreach (int items in new[] { 20_000, 1_000_000 })
        {
            var gaussian = BenchmarkData.RandomFactors(items, K, sigma: 0.1, seed: 42);
            var gaussianUsers = BenchmarkData.RandomFactors(Users, K, sigma: 0.1, seed: 43);
            Report("Gaussian N(0, 0.1²)", gaussian, gaussianUsers, items, candidateCounts, invariant);
            var clustered = BenchmarkData.ClusteredFactors(items, K, clusters: 40, seed: 3);
            var clusteredUsers = BenchmarkData.ClusteredFactors(Users, K, clusters: 40, seed: 3, firstRow: items);
            Report("clustered, log-normal norms", clustered, clusteredUsers, items, candidateCounts, invariant);
            var duplicates = BenchmarkData.ClusteredFactors(items, K, clusters: 1000, seed: 5, spread: 0.03, normSpread: 0);
            var duplicateUsers = BenchmarkData.ClusteredFactors(Users, K, clusters: 1000, seed: 5, firstRow: items, spread: 0.03, normSpread: 0);
            Report("near-duplicates, equal norms", duplicates, duplicateUsers, items, candidateCounts, invariant);
        }
    }

    private static void Report(string name, float[] factors, float[] users, int items, int[] candidateCounts, IFormatProvider invariant)
    {
        var stopwatch = Stopwatch.StartNew();
        var index = new QuantizedItemIndex(factors, K);
        Console.Error.WriteLine($"{name}, {items:N0} items: index built in {stopwatch.ElapsedMilliseconds} ms");
        var all = new float[items];
        var expected = new int[Top];
        var expectedScores = new float[Top];
        var found = new int[Top];
        var foundScores = new float[Top];
        var hits = new long[candidateCounts.Length];
        int identical = 0;
        double captured = 0;
        for (int u = 0; u < Users; u++)
        {
            var user = users.AsSpan(u * K, K);
            Scoring.ScoreAll(factors, K, user, all);
            TopK.Select(all, expected, expectedScores);
            for (int c = 0; c < candidateCounts.Length; c++)
            {
                index.Search(user, found, foundScores, candidates: candidateCounts[c]);
                hits[c] += found.Intersect(expected).Count();
            }
            // The last count is the default: is the whole result (rows, order, scores) the exact one?
            if (found.AsSpan().SequenceEqual(expected) && foundScores.AsSpan().SequenceEqual(expectedScores))
                identical++;
            captured += foundScores.Sum() / expectedScores.Sum();
        }
        var recalls = hits.Select(h => ((double)h / (Users * Top)).ToString("F4", invariant));

        // The inverted file with its default probes, and both searches timed over the same users (after one warm pass).
        stopwatch.Restart();
        var inverted = new IvfItemIndex(factors, K);
        Console.Error.WriteLine($"{name}, {items:N0} items: inverted file of {inverted.ListCount} lists built in {stopwatch.ElapsedMilliseconds} ms");
        long ivfHits = 0;
        for (int u = 0; u < Users; u++)
        {
            var user = users.AsSpan(u * K, K);
            Scoring.ScoreAll(factors, K, user, all);
            TopK.Select(all, expected, expectedScores);
            inverted.Search(user, found, foundScores);
            ivfHits += found.Intersect(expected).Count();
        }
        double flatMicros = Time(u => index.Search(users.AsSpan(u * K, K), found, foundScores));
        double ivfMicros = Time(u => inverted.Search(users.AsSpan(u * K, K), found, foundScores));
        int probes = inverted.DefaultProbes(QuantizedItemIndex.DefaultCandidateCount(Top));
        Console.WriteLine($"| {name} | {items.ToString("N0", invariant)} | {string.Join(" | ", recalls)} | {identical}/{Users} | {(captured / Users).ToString("F6", invariant)} | " +
            $"{flatMicros.ToString("F0", invariant)} | {probes}/{inverted.ListCount} | {((double)ivfHits / (Users * Top)).ToString("F4", invariant)} | {ivfMicros.ToString("F0", invariant)} |");
    }

    /// <summary>Mean µs per call over every user, after one unmeasured pass.</summary>
    private static double Time(Action<int> search)
    {
        for (int u = 0; u < Users; u++) search(u);
        var stopwatch = Stopwatch.StartNew();
        for (int u = 0; u < Users; u++) search(u);
        return stopwatch.Elapsed.TotalMicroseconds / Users;
    }
}
