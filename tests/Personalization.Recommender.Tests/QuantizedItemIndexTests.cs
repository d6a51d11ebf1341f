namespace Personalization.Recommender.Tests;

public class QuantizedItemIndexTests
{
    private const int K = 20;

    [Theory]
    [InlineData(264, 200)]
    [InlineData(100, 50)]
    [InlineData(4000, 4000)]
    [InlineData(264, 20)] // keeping few: the heap's path
    public void RescoreExact_OfRowsInAnyOrder_GivesTheHeapsOrderAndTiesOverSortedRows(int candidates, int k)
    {
        // Scores on a coarse grid, so many tie and the lower row must win each.
        const int factors = 4;
        var random = new Random(candidates + k);
        int items = candidates * 3;
        var itemFactors = Enumerable.Range(0, items * factors).Select(_ => (float)random.Next(-3, 4)).ToArray();
        float[] user = [1f, 0.5f, 0.25f, 2f];
        var rows = Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(candidates).Order().ToArray();

        var sortedIndices = new int[k];
        var sortedScores = new float[k];
        var shuffled = rows.OrderBy(_ => random.Next()).ToArray();
        int written = QuantizedItemIndex.RescoreExact(itemFactors, factors, user, shuffled, new float[candidates], sortedIndices, sortedScores);

        var exact = new float[candidates];
        Scoring.ScoreRows(itemFactors, factors, user, rows, exact);
        var heapIndices = new int[k];
        var heapScores = new float[k];
        Assert.Equal(TopK.Select(exact, heapIndices, heapScores), written);
        Assert.Equal(heapIndices.Select(i => rows[i]), sortedIndices);
        Assert.Equal(heapScores, sortedScores);
    }

    [Theory]
    [InlineData(false, 0)]
    [InlineData(true, 0)]
    [InlineData(true, 300)]
    public void Search_FromASampledThreshold_KeepsExactlyWhatAScanFromTheBottomKeeps(bool clustered, int excluded)
    {
        // The serving shape: a reranker's pool of 200 from 264 candidates, 20,000 items.
        const int items = 20_000, k = 64, pool = 200, candidates = 264;
        float[] factors = clustered ? TestData.ClusteredFactors(items, k, clusters: 40, seed: 31) : TestData.GaussianFactors(items, k, seed: 31, scale: 0.1);
        float[] users = clustered ? TestData.ClusteredFactors(50, k, clusters: 40, seed: 31, firstRow: items) : TestData.GaussianFactors(50, k, seed: 32, scale: 0.1);
        var index = new QuantizedItemIndex(factors, k);
        Assert.NotEqual(0, ThresholdSample.Stride(candidates, (items + 15) / 16));
        for (int u = 0; u < 50; u++)
        {
            var user = users.AsSpan(u * k, k);
            // Excluded rows (a watched history) are skipped by the sample as by the scan.
            var random = new Random(u);
            var skip = Enumerable.Range(0, excluded).Select(_ => random.Next(items)).Order().ToArray();
            AssertTheSampleKeepsWhatTheBottomScanKeeps(index, user, skip, pool, candidates);
        }
    }

    [Fact]
    public void Search_WhenTheSampleOverestimates_ScansAgainAndKeepsTheExactCandidates()
    {
        // Only the sampled blocks hold items that score well: the sample's 16th best is beaten by fewer rows than the
        // search keeps, so the first scan cannot fill and the search must start over from the bottom.
        const int items = 20_000, k = 8, candidates = 264;
        int blocks = (items + 15) / 16, stride = ThresholdSample.Stride(candidates, blocks);
        Assert.NotEqual(0, stride);
        var factors = new float[items * k];
        for (int row = 0; row < items; row++)
        {
            int block = row / 16;
            bool inSample = block >= stride / 2 && (block - stride / 2) % stride == 0;
            factors[row * k] = inSample ? 10f + row % 7 : 0.001f * (row % 97);
            factors[row * k + 1] = 1f;
        }
        var index = new QuantizedItemIndex(factors, k);
        float[] user = [1f, 0.1f, 0, 0, 0, 0, 0, 0];
        int sampled = AssertTheSampleKeepsWhatTheBottomScanKeeps(index, user, default, candidates, candidates);

        Assert.Equal(candidates, sampled);
    }

    // The same rows and exact scores with and without the sampled threshold; returns how many were found.
    private static int AssertTheSampleKeepsWhatTheBottomScanKeeps(QuantizedItemIndex index, ReadOnlySpan<float> user, int[]? excluded, int count,
        int candidates)
    {
        var (sampledRows, sampledScores) = (new int[count], new float[count]);
        var (plainRows, plainScores) = (new int[count], new float[count]);

        int sampled = index.Search(user, sampledRows, sampledScores, excluded, candidates, Int8BlockScan.Best, sampleThreshold: true);
        int plain = index.Search(user, plainRows, plainScores, excluded, candidates, Int8BlockScan.Best, sampleThreshold: false);

        Assert.Equal(plain, sampled);
        Assert.Equal(plainRows, sampledRows);
        Assert.Equal(plainScores, sampledScores);
        return sampled;
    }

    [Fact]
    public void Search_RecallAt20_OnGaussianFactors_IsAtLeast099()
    {
        const int items = 20_000, k = 64;
        float[] factors = TestData.GaussianFactors(items, k, seed: 1, scale: 0.1);
        float[] users = TestData.GaussianFactors(200, k, seed: 2, scale: 0.1);

        double recall = MeanRecall(new QuantizedItemIndex(factors, k), factors, k, users);

        Assert.True(recall >= 0.99, $"recall@20 = {recall:F4}");
    }

    [Fact]
    public void Search_RecallAt20_OnClusteredSkewedFactors_IsAtLeast099()
    {
        const int items = 20_000, k = 64;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 40, seed: 3);
        // Users near the cluster centres too: many items score alike, the hard case for an approximate ranking.
        float[] users = TestData.ClusteredFactors(200, k, clusters: 40, seed: 3, firstRow: items);

        double recall = MeanRecall(new QuantizedItemIndex(factors, k), factors, k, users);

        Assert.True(recall >= 0.99, $"recall@20 = {recall:F4}");
    }

    [Fact]
    public void Search_RecallAt20_OnNearDuplicatesOfEqualNorm_IsAtLeast099()
    {
        // 500 tight clusters of equal-length rows: the top scores crowd together, within the quantization error.
        const int items = 20_000, k = 64;
        float[] factors = TestData.ClusteredFactors(items, k, clusters: 500, seed: 4, spread: 0.03, normSpread: 0);
        float[] users = TestData.ClusteredFactors(200, k, clusters: 500, seed: 4, firstRow: items, spread: 0.03, normSpread: 0);

        double recall = MeanRecall(new QuantizedItemIndex(factors, k), factors, k, users);

        Assert.True(recall >= 0.99, $"recall@20 = {recall:F4}");
    }

    [Theory]
    [InlineData(64, 5_000)]
    [InlineData(37, 1_003)] // k not a multiple of 8 (padded dimensions), items not a multiple of 16 (padded lanes)
    [InlineData(3, 50)]
    public void Search_ReturnsTheExactScoresOfTheReturnedRows(int k, int items)
    {
        float[] factors = TestData.GaussianFactors(items, k, seed: k + items);
        float[] user = TestData.GaussianFactors(1, k, seed: 5);
        var index = new QuantizedItemIndex(factors, k);
        var exact = new float[items];
        Scoring.ScoreAll(factors, k, user, exact);

        var rows = new int[K];
        var scores = new float[K];
        int written = index.Search(user, rows, scores);

        Assert.Equal(K, written);
        for (int i = 0; i < written; i++)
            Assert.Equal(exact[rows[i]], scores[i]); // bit for bit: the re-score is ScoreAll's arithmetic
        for (int i = 1; i < written; i++)
            Assert.True(scores[i - 1] > scores[i] || (scores[i - 1] == scores[i] && rows[i - 1] < rows[i]));
    }

    [Theory]
    [InlineData(64, 3_000)]
    [InlineData(37, 1_003)]
    public void Search_WithEveryItemACandidate_IsTheExactTopK(int k, int items)
    {
        float[] factors = TestData.GaussianFactors(items, k, seed: 11);
        var index = new QuantizedItemIndex(factors, k);
        for (int u = 0; u < 5; u++)
        {
            float[] user = TestData.GaussianFactors(1, k, seed: 100 + u);
            var (expectedRows, expectedScores) = TestData.ExactTopK(factors, k, user, K, excluded: []);
            var rows = new int[K];
            var scores = new float[K];

            int written = index.Search(user, rows, scores, candidates: items);

            Assert.Equal(K, written);
            Assert.Equal(expectedRows, rows);
            Assert.Equal(expectedScores, scores);
        }
    }

    [Fact]
    public void Search_NeverReturnsExcludedRows_AndOtherwiseMatchesTheMaskedScan()
    {
        const int items = 5_000, k = 64;
        float[] factors = TestData.GaussianFactors(items, k, seed: 21);
        float[] user = TestData.GaussianFactors(1, k, seed: 22);
        var index = new QuantizedItemIndex(factors, k);
        // The ten best rows (they would surely be returned) plus random ones, with duplicates, sorted.
        var (best, _) = TestData.ExactTopK(factors, k, user, 10, excluded: []);
        var random = new Random(23);
        int[] excluded = [.. best, .. Enumerable.Range(0, 300).Select(_ => random.Next(items)), best[0], 0, items - 1];
        Array.Sort(excluded);

        var rows = new int[K];
        var scores = new float[K];
        int written = index.Search(user, rows, scores, excluded, candidates: items);

        Assert.Equal(K, written);
        Assert.Empty(rows.Intersect(excluded));
        var (expectedRows, expectedScores) = TestData.ExactTopK(factors, k, user, K, excluded);
        Assert.Equal(expectedRows, rows);
        Assert.Equal(expectedScores, scores);

        // With the default oversampling as well.
        written = index.Search(user, rows, scores, excluded);
        Assert.Equal(K, written);
        Assert.Empty(rows.Intersect(excluded));
    }

    [Fact]
    public void Search_WithEveryRowExcluded_ReturnsNothing()
    {
        float[] factors = TestData.GaussianFactors(100, 16, seed: 31);
        var index = new QuantizedItemIndex(factors, 16);
        int[] all = Enumerable.Range(0, 100).ToArray();

        Assert.Equal(0, index.Search(TestData.GaussianFactors(1, 16, seed: 32), new int[K], new float[K], all));
    }

    [Fact]
    public void Search_KeepingThousandsOfCandidates_OrdersThemAsTheFullScanWithTiesToTheLowerRow()
    {
        // A home page keeps every candidate it asks for: the list is sorted whole, and must order exactly as TopK does,
        // duplicated rows (equal scores) included.
        const int items = 3_000, k = 16;
        float[] factors = TestData.GaussianFactors(items, k, seed: 43);
        for (int row = 0; row < 300; row++) factors.AsSpan(row * k, k).CopyTo(factors.AsSpan((items - 1 - row) * k, k));
        float[] user = TestData.GaussianFactors(1, k, seed: 44);
        var index = new QuantizedItemIndex(factors, k);
        int[] excluded = [5, 6, 2_000];

        var rows = new int[2_000];
        var scores = new float[2_000];
        int written = index.Search(user, rows, scores, excluded, candidates: 2_000);

        var (expectedRows, expectedScores) = TestData.ExactTopK(factors, k, user, 2_000, excluded);
        Assert.Equal(2_000, written);
        Assert.True(rows.Intersect(expectedRows).Count() >= 1_990, "the approximate candidates are nearly the exact top 2,000");
        var all = new float[items];
        Scoring.ScoreAll(factors, k, user, all);
        for (int i = 0; i < written; i++)
        {
            Assert.Equal(all[rows[i]], scores[i]);
            if (i > 0) Assert.True(scores[i - 1] > scores[i] || (scores[i - 1] == scores[i] && rows[i - 1] < rows[i]), $"order at {i}");
        }
        Assert.Equal(expectedRows[..100], rows[..100]);
        Assert.Equal(expectedScores[..100], scores[..100]);
    }

    [Fact]
    public void Search_WithKAboveTheItemCount_ReturnsEveryEligibleItemInExactOrder()
    {
        const int items = 13, k = 8;
        float[] factors = TestData.GaussianFactors(items, k, seed: 41);
        float[] user = TestData.GaussianFactors(1, k, seed: 42);
        var index = new QuantizedItemIndex(factors, k);
        int[] excluded = [2, 7];

        var rows = new int[50];
        var scores = new float[50];
        int written = index.Search(user, rows, scores, excluded);

        var (expectedRows, expectedScores) = TestData.ExactTopK(factors, k, user, 50, excluded);
        Assert.Equal(items - excluded.Length, written);
        Assert.Equal(expectedRows, rows[..written]);
        Assert.Equal(expectedScores, scores[..written]);
    }

    [Fact]
    public void Search_IsRepeatable_AndSafeFromManyThreads()
    {
        const int items = 10_000, k = 64;
        float[] factors = TestData.GaussianFactors(items, k, seed: 51);
        float[] users = TestData.GaussianFactors(32, k, seed: 52);
        var index = new QuantizedItemIndex(factors, k);
        var first = new int[32][];
        for (int u = 0; u < 32; u++)
        {
            first[u] = new int[K];
            index.Search(users.AsSpan(u * k, k), first[u], new float[K]);
        }

        var mismatches = 0;
        Parallel.For(0, 32 * 8, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
        {
            int u = i % 32;
            var rows = new int[K];
            index.Search(users.AsSpan(u * k, k), rows, new float[K]);
            if (!rows.AsSpan().SequenceEqual(first[u]))
                Interlocked.Increment(ref mismatches);
        });
        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void Kernels_AllRankTheApproximateScoresIdentically()
    {
        const int items = 4_000, k = 64;
        float[] factors = TestData.GaussianFactors(items, k, seed: 61);
        var index = new QuantizedItemIndex(factors, k);
        int[] excluded = [3, 50, 51, 999];
        var kernels = Enum.GetValues<Int8Kernel>().Where(Int8BlockScan.IsSupported).ToArray();
        for (int u = 0; u < 20; u++)
        {
            float[] user = TestData.GaussianFactors(1, k, seed: 200 + u);
            // No oversampling: the result is the approximate ranking itself, so any difference between kernels shows.
            foreach (var kernel in kernels)
            {
                // Against the scalar kernel on the same user codes (AVX-512 takes coarser ones).
                var reference = new int[K];
                index.Search(user, reference, new float[K], excluded, candidates: K, Int8Kernel.Scalar, Int8BlockScan.UserCodeLimit(kernel));
                var rows = new int[K];
                index.Search(user, rows, new float[K], excluded, candidates: K, kernel);
                Assert.Equal(reference, rows);
            }
        }
    }

    [Fact]
    public void Every_kernel_gives_the_scalar_sums_when_every_code_is_at_its_limit()
    {
        // Factors of ±1 quantize to codes of ±127 for items and user alike: the largest products, where a kernel whose
        // 16-bit pair sums saturate would differ from the scalar loop.
        const int items = 1_000, k = 64;
        var random = new Random(81);
        float[] factors = [.. Enumerable.Range(0, items * k).Select(_ => random.Next(2) == 0 ? -1f : 1f)];
        var index = new QuantizedItemIndex(factors, k);
        float[] user = [.. Enumerable.Range(0, k).Select(_ => random.Next(2) == 0 ? -1f : 1f)];
        var exact = new float[items];
        Scoring.ScoreAll(factors, k, user, exact);
        foreach (var kernel in Enum.GetValues<Int8Kernel>().Where(Int8BlockScan.IsSupported))
        {
            var reference = new float[items];
            index.EstimateAll(user, reference, Int8Kernel.Scalar, Int8BlockScan.UserCodeLimit(kernel));
            var estimates = new float[items];
            index.EstimateAll(user, estimates, kernel);
            Assert.Equal(reference, estimates);
            // At the limit the codes are exact, so the estimates rank as the exact scores do.
            Assert.Equal(exact.Select(s => MathF.Sign(s)), estimates.Select(s => MathF.Sign(s)));
        }
    }

    [Fact]
    public void EstimateAll_is_close_to_every_exact_score_and_the_same_from_every_kernel()
    {
        const int items = 3_001, k = 64; // not a whole number of 16-item blocks: the last block's padding lanes are skipped
        float[] factors = TestData.GaussianFactors(items, k, seed: 71);
        var index = new QuantizedItemIndex(factors, k);
        var kernels = Enum.GetValues<Int8Kernel>().Where(Int8BlockScan.IsSupported).ToArray();
        for (int u = 0; u < 10; u++)
        {
            float[] user = TestData.GaussianFactors(1, k, seed: 300 + u);
            var exact = new float[items];
            Scoring.ScoreAll(factors, k, user, exact);
            var reference = new float[items];
            index.EstimateAll(user, reference, Int8Kernel.Scalar);
            // Each code is within half a step of its value, so |error| <= sum_d (|x_d|·u_step + |u_d|·x_step)/2 + steps²:
            // bounded here by 1% of max|x_i|·max|u|·k.
            float userMax = user.Max(MathF.Abs);
            for (int i = 0; i < items; i++)
            {
                float itemMax = factors.AsSpan(i * k, k).ToArray().Max(MathF.Abs);
                Assert.True(MathF.Abs(reference[i] - exact[i]) <= 0.01f * itemMax * userMax * k, $"item {i}: {reference[i]} vs {exact[i]}");
            }
            foreach (var kernel in kernels)
            {
                var same = new float[items];
                index.EstimateAll(user, same, Int8Kernel.Scalar, Int8BlockScan.UserCodeLimit(kernel));
                var estimates = new float[items];
                index.EstimateAll(user, estimates, kernel);
                Assert.Equal(same, estimates);
            }
            // The ranking the page sees: the exact top 20 are nearly all among the estimated top 40.
            var exactTop = exact.Select((s, i) => (s, i)).OrderByDescending(p => p.s).Take(20).Select(p => p.i).ToHashSet();
            var estimatedTop = reference.Select((s, i) => (s, i)).OrderByDescending(p => p.s).Take(40).Select(p => p.i);
            Assert.True(estimatedTop.Count(exactTop.Contains) >= 19);
        }
        Assert.Throws<ArgumentException>(() => index.EstimateAll(new float[k], new float[items - 1]));
        Assert.Throws<ArgumentException>(() => index.EstimateAll(new float[k - 1], new float[items]));
    }

    [Fact]
    public void Search_WithLargeKAndLargeFactorCount_UsesRentedScratch()
    {
        // 1,200 candidates and 1,032 padded dimensions exceed the stack scratch.
        const int items = 3_000, k = 1_030;
        float[] factors = TestData.GaussianFactors(items, k, seed: 71);
        float[] user = TestData.GaussianFactors(1, k, seed: 72);
        var index = new QuantizedItemIndex(factors, k);

        var rows = new int[300];
        var scores = new float[300];
        int written = index.Search(user, rows, scores);

        var (expectedRows, _) = TestData.ExactTopK(factors, k, user, 300, excluded: []);
        Assert.Equal(300, written);
        Assert.True(rows.Intersect(expectedRows).Count() >= 297);
    }

    [Fact]
    public void Search_WithAZeroUser_ReturnsTheLowestRows()
    {
        float[] factors = TestData.GaussianFactors(100, 16, seed: 81);
        var index = new QuantizedItemIndex(factors, 16);
        var rows = new int[5];
        var scores = new float[5];

        Assert.Equal(5, index.Search(new float[16], rows, scores, [1]));
        Assert.Equal([0, 2, 3, 4, 5], rows);
        Assert.All(scores, s => Assert.Equal(0f, s));
    }

    [Fact]
    public void Search_OnZeroRowsOrZeroK_ReturnsNothing()
    {
        var empty = new QuantizedItemIndex(Array.Empty<float>(), 8);
        Assert.Equal(0, empty.ItemCount);
        Assert.Equal(0, empty.Search(new float[8], new int[5], new float[5]));
        var index = new QuantizedItemIndex(new float[80], 8);
        Assert.Equal(0, index.Search(new float[8], [], []));
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        float[] factors = TestData.GaussianFactors(10, 8, seed: 91);
        var index = new QuantizedItemIndex(factors, 8);
        var user = new float[8];
        Assert.Throws<ArgumentException>(() => new QuantizedItemIndex(new float[10], 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => new QuantizedItemIndex(new float[8], 0));
        factors[17] = float.NaN;
        Assert.Throws<ArgumentException>(() => new QuantizedItemIndex(factors, 8));

        Assert.Throws<ArgumentException>(() => index.Search(new float[7], new int[2], new float[2]));
        Assert.Throws<ArgumentException>(() => index.Search(user, new int[2], new float[1]));
        Assert.Throws<ArgumentException>(() => index.Search([float.NaN, 0, 0, 0, 0, 0, 0, 0], new int[2], new float[2]));
        Assert.Throws<ArgumentException>(() => index.Search(user, new int[2], new float[2], [5, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(user, new int[2], new float[2], [3, 10]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(user, new int[2], new float[2], [-1, 3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => index.Search(user, new int[2], new float[2], candidates: -1));
    }

    [Theory]
    [InlineData(1, 1, 0)]
    [InlineData(100, 1, 1)]
    [InlineData(100, 99, 2)]
    [InlineData(1000, 84, 3)]
    [InlineData(1000, 500, 4)]
    public void Collector_SelectLargest_PutsTheLargestFirst(int length, int count, int seed)
    {
        var random = new Random(seed);
        var keys = Enumerable.Range(0, length).Select(i => ((ulong)random.NextInt64() & ~0xFFFFul) | (uint)i).ToArray();
        if (seed == 1) Array.Sort(keys); // ascending input: the worst case of a naive pivot
        var expected = keys.OrderDescending().ToArray();

        CandidateCollector.SelectLargest(keys, count);

        Assert.Equal(expected[count - 1], keys[count - 1]);
        Assert.Equal(expected[..count].Order(), keys[..count].Order());
    }

    [Fact]
    public void SizeInBytes_IsAQuarterOfTheFloatFactorsPlusScales()
    {
        var index = new QuantizedItemIndex(new float[1_600 * 64], 64);
        Assert.Equal(1_600L * (64 + 4), index.SizeInBytes);
    }

    private static double MeanRecall(QuantizedItemIndex index, float[] factors, int k, float[] users)
    {
        int userCount = users.Length / k;
        var rows = new int[K];
        var scores = new float[K];
        double hits = 0;
        for (int u = 0; u < userCount; u++)
        {
            var user = users.AsSpan(u * k, k).ToArray();
            var (expected, _) = TestData.ExactTopK(factors, k, user, K, excluded: []);
            int written = index.Search(user, rows, scores);
            Assert.Equal(K, written);
            hits += rows.Intersect(expected).Count();
        }
        return hits / (userCount * K);
    }
}
