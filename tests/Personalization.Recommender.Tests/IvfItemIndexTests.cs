using Xunit.Abstractions;

namespace Personalization.Recommender.Tests;

public class IvfItemIndexTests(ITestOutputHelper output)
{
    private const int K = 20;

    [Fact]
    public void Search_RecallAt20_OnClusteredSkewedFactors_IsAtLeast095_ReadingAFewPercentOfTheCatalog()
    {
        // Taste clusters and log-normal norms, as trained implicit-feedback factors have; users near the same centres.
        const int items = 50_000, k = 64;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 40, seed: 3);
        float[] users = TestData.ClusteredFactors(200, k, clusters: 40, seed: 3, firstRow: items);
        var index = new IvfItemIndex(factors, k);

        int probes = index.DefaultProbes(QuantizedItemIndex.DefaultCandidateCount(K));
        double recall = MeanRecall(index, factors, k, users, probes);
        double share = (double)probes / index.ListCount;
        output.WriteLine($"{index.ListCount} lists, {probes} probed ({share:P1}), recall@20 = {recall:F4}");

        Assert.True(recall >= 0.95, $"recall@20 = {recall:F4}");
        Assert.True(share <= 0.10, $"probed {share:P1} of the lists");
    }

    [Fact]
    public void Search_RecallGrowsWithTheProbes_AndEveryListProbedIsTheExactTopK()
    {
        const int items = 10_000, k = 32;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 20, seed: 5);
        float[] users = TestData.ClusteredFactors(50, k, clusters: 20, seed: 5, firstRow: items);
        var index = new IvfItemIndex(factors, k, lists: 100);

        double few = MeanRecall(index, factors, k, users, probes: 2);
        double more = MeanRecall(index, factors, k, users, probes: 10);
        output.WriteLine($"recall@20: 2 probes {few:F4}, 10 probes {more:F4}");
        Assert.True(more > few, $"{few:F4} then {more:F4}");

        for (int u = 0; u < 50; u++)
        {
            var user = users.AsSpan(u * k, k).ToArray();
            var (expectedRows, expectedScores) = TestData.ExactTopK(factors, k, user, K, excluded: []);
            var rows = new int[K];
            var scores = new float[K];
            Assert.Equal(K, index.Search(user, rows, scores, default, candidates: items, probes: index.ListCount));
            Assert.Equal(expectedRows, rows);
            Assert.Equal(expectedScores, scores);
        }
    }

    [Fact]
    public void Search_NeverReturnsExcludedRows_AndOtherwiseMatchesTheMaskedScan()
    {
        const int items = 3_000, k = 16;
        float[] factors = TestData.GaussianFactors(items, k, seed: 21);
        float[] user = TestData.GaussianFactors(1, k, seed: 22);
        var index = new IvfItemIndex(factors, k, lists: 30);
        // The exact top 40 with every other one excluded, duplicates included, and some rows of the last list.
        var (top, _) = TestData.ExactTopK(factors, k, user, 40, excluded: []);
        int[] excluded = top.Where((_, i) => i % 2 == 0).Concat([top[0], items - 1, items - 2]).Order().ToArray();

        var rows = new int[K];
        var scores = new float[K];
        Assert.Equal(K, index.Search(user, rows, scores, excluded, candidates: items, probes: index.ListCount));

        Assert.Empty(rows.Intersect(excluded));
        var (expected, expectedScores) = TestData.ExactTopK(factors, k, user, K, excluded);
        Assert.Equal(expected, rows);
        Assert.Equal(expectedScores, scores);
    }

    [Fact]
    public void Search_ReturnsTheExactScoresOfTheReturnedRows()
    {
        const int items = 5_000, k = 24;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 10, seed: 31);
        float[] user = TestData.GaussianFactors(1, k, seed: 32);
        var index = new IvfItemIndex(factors, k);

        var rows = new int[K];
        var scores = new float[K];
        int written = index.Search(user, rows, scores);

        Assert.Equal(K, written);
        var all = new float[items];
        Scoring.ScoreAll(factors, k, user, all);
        for (int i = 0; i < written; i++)
        {
            Assert.Equal(all[rows[i]], scores[i]);
            if (i > 0) Assert.True(scores[i - 1] >= scores[i]);
        }
    }

    [Fact]
    public void Update_AnItemWhoseVectorChangedInPlace_IsFoundWithItsNewScore()
    {
        const int items = 4_000, k = 16;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 8, seed: 41);
        float[] user = TestData.GaussianFactors(1, k, seed: 42);
        var index = new IvfItemIndex(factors, k, lists: 40);
        var rows = new int[K];
        var scores = new float[K];
        index.Search(user, rows, scores);
        int item = Enumerable.Range(0, items).First(r => !rows.Contains(r));

        // A live vector: the item now points the user's way, longer than any item before.
        for (int d = 0; d < k; d++) factors[item * k + d] = user[d] * 100f;
        index.Update(item);
        index.Search(user, rows, scores);

        var all = new float[items];
        Scoring.ScoreAll(factors, k, user, all);
        Assert.Equal(item, rows[0]);
        Assert.Equal(all[item], scores[0]);
    }

    [Fact]
    public void Calibrate_OnClusteredFactors_FindsTheFewestProbesThatReachTheTarget_AndSearchesUseThem()
    {
        // Recall of the top 20 (a list), as on trained factors the top 200 of a 20,000-item catalog spread over too many lists.
        const int items = 20_000, k = 32, pool = K, candidates = 84;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 40, seed: 7);
        float[] queries = TestData.ClusteredFactors(200, k, clusters: 40, seed: 7, firstRow: items);
        var flat = new QuantizedItemIndex(factors, k);
        var index = new IvfItemIndex(factors, k);
        Assert.Null(index.Calibration);

        var calibration = index.Calibrate(flat, queries, pool, candidates, targetRecall: 0.99, maxProbes: index.ListCount / 4);
        output.WriteLine($"{calibration}");

        Assert.True(calibration.Reached, $"{calibration}");
        Assert.Same(calibration, index.Calibration);
        Assert.True(calibration.Recall >= 0.99, $"recall {calibration.Recall:F4}");
        Assert.True(calibration.ScannedFraction < 0.25, $"scanned {calibration.ScannedFraction:P1}");
        Assert.Equal(calibration.Probes, index.DefaultProbes(candidates));
        // The fewest: one list less misses the target on the same queries.
        if (calibration.Probes > 1)
            Assert.True(RecallAgainst(flat, index, queries, k, pool, candidates, calibration.Probes - 1) < 0.99);
        // And it holds on users it was not calibrated on, through the default probes.
        float[] others = TestData.ClusteredFactors(200, k, clusters: 40, seed: 7, firstRow: items + 200);
        double recall = RecallAgainst(flat, index, others, k, pool, candidates, probes: 0);
        Assert.True(recall >= 0.97, $"recall on other users {recall:F4}");
        // A search keeping more candidates than calibrated for still probes enough lists to fill them.
        Assert.True(index.DefaultProbes(4000) > calibration.Probes);
    }

    [Fact]
    public void Calibrate_OnGaussianNoise_MissesTheTargetWithinAQuarterOfTheLists_AndLeavesTheDefaultProbes()
    {
        const int items = 10_000, k = 32;
        float[] factors = TestData.GaussianFactors(items, k, seed: 71);
        float[] queries = TestData.GaussianFactors(100, k, seed: 72);
        var index = new IvfItemIndex(factors, k);
        int before = index.DefaultProbes(264);

        var calibration = index.Calibrate(new QuantizedItemIndex(factors, k), queries, 200, 264, targetRecall: 0.99, maxProbes: index.ListCount / 4);
        output.WriteLine($"{calibration}");

        Assert.False(calibration.Reached);
        Assert.Equal(index.ListCount / 4, calibration.Probes);
        Assert.True(calibration.Recall < 0.99);
        Assert.Null(index.Calibration);
        Assert.Equal(before, index.DefaultProbes(264));
    }

    [Fact]
    public void A_copy_over_new_factors_keeps_the_lists_and_calibration_and_finds_a_changed_row()
    {
        const int items = 4_000, k = 16;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 8, seed: 81);
        float[] users = TestData.ClusteredFactors(50, k, clusters: 8, seed: 81, firstRow: items);
        var layout = new IvfItemIndex(factors, k, lists: 40);
        layout.Calibrate(new QuantizedItemIndex(factors, k), users, K, 84, targetRecall: 0.9, maxProbes: 40);

        var copy = factors.ToArray();
        var user = users.AsSpan(0, k).ToArray();
        var rows = new int[K];
        var scores = new float[K];
        layout.Search(user, rows, scores);
        int changed = Enumerable.Range(0, items).First(r => !rows.Contains(r));
        for (int d = 0; d < k; d++) copy[changed * k + d] = user[d] * 100f;
        var index = new IvfItemIndex(copy, layout);

        Assert.Same(layout.Calibration, index.Calibration);
        Assert.Equal(layout.ListCount, index.ListCount);
        var found = new int[K];
        var foundScores = new float[K];
        index.Search(user, found, foundScores);
        Assert.Equal(changed, found[0]);
        // Every user sees what the original index shows once the same change is applied to it as a live vector.
        factors.AsSpan(changed * k, k).Clear();
        copy.AsSpan(changed * k, k).CopyTo(factors.AsSpan(changed * k, k));
        layout.Update(changed);
        for (int u = 0; u < 50; u++)
        {
            var other = users.AsSpan(u * k, k);
            layout.Search(other, rows, scores);
            index.Search(other, found, foundScores);
            Assert.Equal(rows, found);
            Assert.Equal(scores, foundScores);
        }
    }

    private static double RecallAgainst(IItemIndex reference, IvfItemIndex index, float[] queries, int k, int pool, int candidates, int probes)
    {
        var expected = new int[pool];
        var found = new int[pool];
        var scores = new float[pool];
        long hits = 0, total = 0;
        for (int q = 0; q < queries.Length / k; q++)
        {
            var query = queries.AsSpan(q * k, k);
            int n = reference.Search(query, expected, scores, candidates: candidates);
            int m = index.Search(query, found, scores, default, candidates, probes);
            hits += found.AsSpan(0, m).ToArray().Intersect(expected.AsSpan(0, n).ToArray()).Count();
            total += n;
        }
        return (double)hits / total;
    }

    [Fact]
    public void Constructor_NamesTheRowOfANonFiniteFactor()
    {
        float[] factors = TestData.GaussianFactors(100, 8, seed: 51);
        factors[37 * 8 + 3] = float.NaN;
        var error = Assert.Throws<ArgumentException>(() => new IvfItemIndex(factors, 8));
        Assert.Contains("row 37", error.Message);
    }

    [Fact]
    public void SphericalKMeans_RecoversPlantedDirections()
    {
        // Ten well-separated directions, each row one of them with noise and any length.
        const int rows = 2_000, k = 16, clusters = 10;
        float[] vectors = TestData.ClusteredFactors(rows, k, clusters, seed: 61, spread: 0.05);
        var centroids = SphericalKMeans.Train(vectors, k, clusters, sample: rows, iterations: 10, seed: 1);
        var assignment = new int[rows];
        SphericalKMeans.Assign(vectors, k, centroids, assignment, []);

        // The same draw without noise gives each row its centre exactly: rows with equal vectors share a planted cluster.
        float[] planted = TestData.ClusteredFactors(rows, k, clusters, seed: 61, spread: 0, normSpread: 0);
        var label = Enumerable.Range(0, rows).Select(r => (planted[r * k], planted[r * k + 1])).ToArray();
        int agreeing = Enumerable.Range(0, rows).GroupBy(r => label[r])
            .Sum(group => group.GroupBy(r => assignment[r]).Max(g => g.Count()));

        Assert.True(agreeing >= rows * 0.95, $"{agreeing} of {rows} rows with their cluster's majority centroid");
        for (int c = 0; c < clusters; c++)
            Assert.Equal(1f, TensorNorm(centroids.AsSpan(c * k, k)), 4);
    }

    private static float TensorNorm(ReadOnlySpan<float> a) => System.Numerics.Tensors.TensorPrimitives.Norm(a);

    private static double MeanRecall(IvfItemIndex index, float[] factors, int k, float[] users, int probes)
    {
        int userCount = users.Length / k;
        var rows = new int[K];
        var scores = new float[K];
        double hits = 0;
        for (int u = 0; u < userCount; u++)
        {
            var user = users.AsSpan(u * k, k).ToArray();
            var (expected, _) = TestData.ExactTopK(factors, k, user, K, excluded: []);
            int written = index.Search(user, rows, scores, default, candidates: 0, probes);
            hits += rows[..written].Intersect(expected).Count();
        }
        return hits / (userCount * K);
    }
}
