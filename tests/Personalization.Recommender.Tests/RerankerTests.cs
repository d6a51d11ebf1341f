using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Tests;

public class RerankerTests
{
    [Theory]
    [InlineData(1000, 20, 0)]
    [InlineData(500, 1, 1)]
    [InlineData(30, 50, 2)] // K larger than the number of eligible scores
    [InlineData(300, 300, 3)]
    public void SettingsOff_IsExactlyTopK(int items, int k, int seed)
    {
        float[] scores = Scores(items, seed);
        var expected = new int[k];
        int expectedCount = TopK.Select(scores, expected, new float[k]);

        var output = new int[k];
        int count = Reranker.Rerank(scores, default, 0, default, RankingSettings.Default, 7, output);

        Assert.Equal(expectedCount, count);
        Assert.Equal(expected[..expectedCount], output[..count]);
    }

    [Fact]
    public void ZeroDiversityThroughTheGreedyPath_IsScoreOrder()
    {
        // ε = 0.01 gives ⌊0.2⌋ = 0 slots: the settings are not "off", so the pool, normalization and MMR loop run, with λ = 0.
        float[] scores = Scores(800, 5);
        var settings = new RankingSettings { ExplorationShare = 0.01f, CandidatePool = 50 };
        Assert.False(settings.IsOff);
        var expected = new int[20];
        TopK.Select(scores, expected, new float[20]);

        var output = new int[20];
        int count = Reranker.Rerank(scores, default, 0, new float[800], settings, 1, output);

        Assert.Equal(20, count);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void Mmr_HandExample_LambdaOnePicksTheOppositeThenTheOrthogonal()
    {
        //   item 0 (1, 0)         score 1.0
        //   item 1 (0.99, 0.14)   score 0.9  nearly item 0
        //   item 2 (0, 1)         score 0.5  orthogonal to item 0
        //   item 3 (−1, 0)        score 0.1  opposite item 0
        // λ = 1: item 0 first (nothing to be similar to yet), then the least similar to it (3: cos −1), then the least
        // similar to both (2: max(0, 0) = 0 against 1: max(0.99, −0.99)).
        ItemVectors vectors = ItemVectors.Normalize([1f, 0f, 0.99f, 0.14f, 0f, 1f, -1f, 0f], 2);
        float[] scores = [1.0f, 0.9f, 0.5f, 0.1f];

        Assert.Equal([0, 3, 2], Rerank(scores, vectors, new RankingSettings { Diversity = 1f }, 3));
        Assert.Equal([0, 1, 2], Rerank(scores, vectors, new RankingSettings { Diversity = 0f, ExplorationShare = 0.01f }, 3));
    }

    [Fact]
    public void Mmr_LambdaOne_PicksOneItemPerCluster()
    {
        // Three clusters; the five best scores are all in cluster A, so plain top-3 is three near-duplicates.
        var random = new Random(3);
        float[][] centers = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
        int[] cluster = [0, 0, 0, 0, 0, 1, 1, 2, 2, 1];
        float[] scores = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
        var raw = new float[cluster.Length * 3];
        for (int i = 0; i < cluster.Length; i++)
        {
            for (int d = 0; d < 3; d++)
                raw[i * 3 + d] = centers[cluster[i]][d] + 0.05f * (float)TestData.Gaussian(random);
        }
        ItemVectors vectors = ItemVectors.Normalize(raw, 3);

        int[] plain = Rerank(scores, vectors, RankingSettings.Default, 3);
        int[] diverse = Rerank(scores, vectors, new RankingSettings { Diversity = 1f }, 3);

        Assert.Equal([0, 1, 2], plain);
        Assert.Equal(0, diverse[0]);
        Assert.Equal([0, 1, 2], diverse.Select(i => cluster[i]).Order());
        // Mutually dissimilar: every pair of the diverse list is far apart, while the plain list's pairs are near 1.
        foreach (var (a, b) in Pairs(diverse))
            Assert.InRange(Scoring.Cosine(vectors.Row(a), vectors.Row(b)), -1f, 0.3f);
        foreach (var (a, b) in Pairs(plain))
            Assert.InRange(Scoring.Cosine(vectors.Row(a), vectors.Row(b)), 0.9f, 1f);
    }

    [Fact]
    public void PopularityPenalty_HandExample_MovesThePopularItemDown()
    {
        // Relevance over the pool: item 0: 1, item 1: 0.8, item 2: 0.
        // Log-popularity log(1 + n) min-max scaled: item 0 (1000 users): 1, item 1 (1 user): 0, item 2 (10): 0.274.
        // β = 0.5: item 0: 0.5 < item 1: 0.8, so the blockbuster drops to second. β = 0.1: item 0: 0.9, still first.
        float[] scores = [1.0f, 0.9f, 0.5f];
        float[] popularity = [1000f, 1f, 10f];

        Assert.Equal([0, 1, 2], Rerank(scores, null, RankingSettings.Default, 3, popularity));
        Assert.Equal([0, 1, 2], Rerank(scores, null, new RankingSettings { PopularityPenalty = 0.1f }, 3, popularity));
        Assert.Equal([1, 0, 2], Rerank(scores, null, new RankingSettings { PopularityPenalty = 0.5f }, 3, popularity));
        // A large β ranks by unpopularity alone.
        Assert.Equal([1, 2, 0], Rerank(scores, null, new RankingSettings { PopularityPenalty = 100f }, 3, popularity));
    }

    [Fact]
    public void PopularityPenalty_IsTheSameAtAnyScoreScale()
    {
        float[] scores = Scores(400, 8);
        float[] popularity = Popularity(400, 9);
        var settings = new RankingSettings { PopularityPenalty = 0.7f, CandidatePool = 60 };
        float[] scaled = scores.Select(s => float.IsFinite(s) ? 250f * s + 1000f : s).ToArray();

        Assert.Equal(Rerank(scores, null, settings, 20, popularity), Rerank(scaled, null, settings, 20, popularity));
    }

    [Fact]
    public void Exploration_FillsTheLastSlotsFromThePoolBeyondTheExploitedItems()
    {
        const int k = 20, pool = 100;
        float[] scores = Scores(2000, 11);
        float[] popularity = Popularity(2000, 12);
        var settings = new RankingSettings { ExplorationShare = 0.25f, CandidatePool = pool };
        int slots = settings.ExplorationSlots(k);
        Assert.Equal(5, slots);
        var top = new int[pool];
        TopK.Select(scores, top, new float[pool]);

        var seen = new HashSet<int>();
        for (ulong seed = 0; seed < 20; seed++)
        {
            var output = new int[k];
            Assert.Equal(k, Reranker.Rerank(scores, default, 0, popularity, settings, seed, output));
            Assert.Equal(top[..(k - slots)], output[..(k - slots)]);
            int[] explored = output[(k - slots)..];
            Assert.All(explored, item => Assert.Contains(item, top[(k - slots)..]));
            Assert.All(explored, item => Assert.True(float.IsFinite(scores[item])));
            Assert.Equal(k, output.Distinct().Count());
            seen.UnionWith(explored);

            var again = new int[k];
            Reranker.Rerank(scores, default, 0, popularity, settings, seed, again);
            Assert.Equal(output, again);
        }
        // Different seeds explore different items.
        Assert.True(seen.Count > 2 * slots, $"only {seen.Count} distinct explored items over 20 seeds");
    }

    [Fact]
    public void Exploration_NeverReturnsExcludedItems()
    {
        // Only 12 eligible items, K = 10, pool 200: the pool is the 12, exploration draws from the 2 left over.
        float[] scores = Enumerable.Repeat(float.NegativeInfinity, 500).ToArray();
        for (int i = 0; i < 12; i++)
            scores[i * 37] = i;
        scores[5] = float.NaN;
        var settings = new RankingSettings { ExplorationShare = 0.5f, Diversity = 0.5f, PopularityPenalty = 1f };
        ItemVectors vectors = RandomVectors(500, 8, 13);

        for (ulong seed = 0; seed < 10; seed++)
        {
            var output = new int[10];
            int count = Reranker.Rerank(scores, vectors.Values, 8, Popularity(500, 14), settings, seed, output);
            Assert.Equal(10, count);
            Assert.All(output, item => Assert.True(float.IsFinite(scores[item])));
            Assert.Equal(10, output.Distinct().Count());
        }

        var all = new int[20];
        Assert.Equal(12, Reranker.Rerank(scores, vectors.Values, 8, Popularity(500, 14), settings, 3, all));
        Assert.Equal(12, all[..12].Distinct().Count());
        Assert.All(all[..12], item => Assert.True(float.IsFinite(scores[item])));
    }

    [Fact]
    public void Exploration_PrefersUncertainItems()
    {
        // 10 clear winners, then 40 candidates of equal relevance: 20 never seen (σ = τ), 20 seen by a million users
        // (σ ≈ 0). The best draws are the uncertain ones.
        var scores = new float[50];
        var popularity = new float[50];
        for (int i = 0; i < 10; i++)
            scores[i] = 10 - i;
        for (int i = 10; i < 50; i++)
            popularity[i] = i % 2 == 0 ? 0f : 1e6f;
        var settings = new RankingSettings { ExplorationShare = 0.3f };

        for (ulong seed = 0; seed < 10; seed++)
        {
            var output = new int[10];
            Reranker.Rerank(scores, default, 0, popularity, settings, seed, output);
            Assert.Equal([0, 1, 2, 3, 4, 5, 6], output[..7]);
            Assert.All(output[7..], item => Assert.Equal(0f, popularity[item]));
        }
    }

    [Fact]
    public void AllControlsTogether_AreDeterministicPerSeed()
    {
        float[] scores = Scores(3000, 21);
        float[] popularity = Popularity(3000, 22);
        ItemVectors vectors = RandomVectors(3000, 16, 23);
        var settings = new RankingSettings { Diversity = 0.4f, PopularityPenalty = 0.5f, ExplorationShare = 0.2f, CandidatePool = 150 };

        int[] Run(ulong seed)
        {
            var output = new int[25];
            Assert.Equal(25, Reranker.Rerank(scores, vectors.Values, 16, popularity, settings, seed, output));
            return output;
        }

        Assert.Equal(Run(Reranker.MixSeed(42, 7)), Run(Reranker.MixSeed(42, 7)));
        Assert.NotEqual(Run(Reranker.MixSeed(42, 7)), Run(Reranker.MixSeed(42, 8)));
        Assert.Equal(25, Run(1).Distinct().Count());
    }

    [Theory]
    [InlineData(0.3f, 1)]
    [InlineData(0.7f, 2)]
    [InlineData(1f, 3)]
    public void Mmr_PicksWhatTheTextbookGreedyLoopPicks(float lambda, int seed)
    {
        // The reference: each next item maximizes (1 − λ)·relevance − λ·max cosine to the chosen, ties to the lower position.
        float[] scores = Scores(2000, 30 + seed);
        ItemVectors vectors = RandomVectors(2000, 16, 40 + seed);
        var settings = new RankingSettings { Diversity = lambda, CandidatePool = 120 };
        var output = new int[30];
        Assert.Equal(30, Reranker.Rerank(scores, vectors.Values, 16, default, settings, 0, output));

        var pool = new int[120];
        TopK.Select(scores, pool, new float[120]);
        float min = pool.Min(i => scores[i]), max = pool.Max(i => scores[i]);
        // Similarities as the reranker's kernel computes them (its summation order), pool against pool.
        var poolVectors = pool.SelectMany(row => vectors.Row(row).ToArray()).ToArray();
        var similarity = new float[120][];
        for (int p = 0; p < 120; p++)
        {
            similarity[p] = new float[120];
            Scoring.ScoreAll(poolVectors, 16, poolVectors.AsSpan(p * 16, 16), similarity[p]);
        }
        var chosen = new List<int>();
        while (chosen.Count < 30)
        {
            int best = -1;
            float bestValue = float.NegativeInfinity;
            for (int p = 0; p < pool.Length; p++)
            {
                if (chosen.Contains(p)) continue;
                float relevance = (scores[pool[p]] - min) * (1f / (max - min));
                float value = chosen.Count == 0 ? (1f - lambda) * relevance
                    : (1f - lambda) * relevance - lambda * chosen.Max(c => similarity[c][p]);
                if (best < 0 || value > bestValue) (best, bestValue) = (p, value);
            }
            chosen.Add(best);
        }
        Assert.Equal(chosen.Select(p => pool[p]), output);
    }

    [Fact]
    public void A_ranked_pool_reranks_as_the_catalog_does_from_the_same_pool()
    {
        float[] scores = Scores(3000, 51);
        float[] popularity = Popularity(3000, 52);
        ItemVectors vectors = RandomVectors(3000, 16, 53);
        var settings = new RankingSettings { Diversity = 0.4f, PopularityPenalty = 0.5f, ExplorationShare = 0.2f, CandidatePool = 150 };
        var expected = new int[25];
        Assert.Equal(25, Reranker.Rerank(scores, vectors.Values, 16, popularity, settings, 9, expected));

        // The pool as an index hands it over: rows best first with their popularity in pool order, the vectors read in
        // place by catalog row.
        var pool = new int[150];
        var poolScores = new float[150];
        TopK.Select(scores, pool, poolScores);
        var poolPopularity = pool.Select(row => popularity[row]).ToArray();
        var positions = new int[25];
        Assert.Equal(25, Reranker.RerankRanked(poolScores, pool, vectors.Values, 16, poolPopularity, settings, 9, positions));
        Assert.Equal(expected, positions.Select(p => pool[p]));

        // The same from a gathered copy of the pool's vectors, in pool order.
        var poolVectors = pool.SelectMany(row => vectors.Values.AsSpan(row * 16, 16).ToArray()).ToArray();
        Assert.Equal(25, Reranker.RerankRanked(poolScores, Enumerable.Range(0, 150).ToArray(), poolVectors, 16, poolPopularity, settings, 9, positions));
        Assert.Equal(expected, positions.Select(p => pool[p]));
    }

    [Theory]
    [InlineData(0.3f, 61)]
    [InlineData(1f, 62)]
    public void Raw_rows_with_their_inverse_norms_rerank_as_the_unit_rows_do(float lambda, int seed)
    {
        // What the serving path hands MMR: the factors the index re-scored from, with 1/|row| (0 for a zero row), instead
        // of the normalized copy. Rows of very different lengths, and one zero row, so the norms matter.
        const int items = 3000, dimensions = 16;
        float[] scores = Scores(items, seed);
        float[] popularity = Popularity(items, seed + 1);
        var raw = RandomVectors(items, dimensions, seed + 2).Values.ToArray();
        var random = new Random(seed + 3);
        for (int row = 0; row < items; row++)
        {
            float length = (float)Math.Exp(2 * random.NextDouble() - 1);
            for (int d = 0; d < dimensions; d++) raw[row * dimensions + d] *= length;
        }
        var pool = new int[150];
        var poolScores = new float[150];
        TopK.Select(scores, pool, poolScores);
        raw.AsSpan(pool[7] * dimensions, dimensions).Clear();
        var unit = ItemVectors.Normalize(raw, dimensions);
        var inverseNorms = Enumerable.Range(0, items).Select(row =>
        {
            float norm = System.Numerics.Tensors.TensorPrimitives.Norm(raw.AsSpan(row * dimensions, dimensions));
            return norm > 0 ? 1f / norm : 0f;
        }).ToArray();
        var settings = new RankingSettings { Diversity = lambda, PopularityPenalty = 0.5f, ExplorationShare = 0.1f, CandidatePool = 150 };
        var poolPopularity = pool.Select(row => popularity[row]).ToArray();

        var expected = new int[30];
        var actual = new int[30];
        Assert.Equal(30, Reranker.RerankRanked(poolScores, pool, unit.Values, dimensions, poolPopularity, settings, 5, expected));
        Assert.Equal(30, Reranker.RerankRanked(poolScores, pool, raw, dimensions, poolPopularity, settings, 5, actual, inverseNorms));
        Assert.Equal(expected, actual);
        // Not by chance: the raw rows without their norms pick differently.
        Assert.Equal(30, Reranker.RerankRanked(poolScores, pool, raw, dimensions, poolPopularity, settings, 5, actual));
        Assert.NotEqual(expected, actual);
    }

    [Fact]
    public void MissingInputs_AreRejected()
    {
        float[] scores = Scores(50, 1);
        var output = new int[5];

        Assert.Equal("itemVectors", Assert.Throws<ArgumentException>(() =>
            Reranker.Rerank(scores, new float[49 * 4], 4, default, new RankingSettings { Diversity = 0.5f }, 0, output)).ParamName);
        Assert.Equal("popularity", Assert.Throws<ArgumentException>(() =>
            Reranker.Rerank(scores, default, 0, default, new RankingSettings { PopularityPenalty = 0.5f }, 0, output)).ParamName);
        Assert.Equal("popularity", Assert.Throws<ArgumentException>(() =>
            Reranker.Rerank(scores, default, 0, new float[10], new RankingSettings { ExplorationShare = 0.5f }, 0, output)).ParamName);
        float[] negative = new float[50];
        Array.Fill(negative, -1f);
        Assert.Equal("popularity", Assert.Throws<ArgumentException>(() =>
            Reranker.Rerank(scores, default, 0, negative, new RankingSettings { PopularityPenalty = 0.5f }, 0, output)).ParamName);

        // A ranked pool's vectors are read by row: a row per position, each inside the vectors.
        var diverse = new RankingSettings { Diversity = 0.5f };
        Assert.Equal("poolRows", Assert.Throws<ArgumentException>(() =>
            Reranker.RerankRanked(scores, new int[49], new float[50 * 4], 4, default, diverse, 0, output)).ParamName);
        Assert.Equal("poolRows", Assert.Throws<ArgumentOutOfRangeException>(() =>
            Reranker.RerankRanked(scores, Enumerable.Range(1, 50).ToArray(), new float[50 * 4], 4, default, diverse, 0, output)).ParamName);
        Assert.Equal("itemVectors", Assert.Throws<ArgumentException>(() =>
            Reranker.RerankRanked(scores, new int[50], new float[50 * 4 - 1], 4, default, diverse, 0, output)).ParamName);
        Assert.Equal("inverseNorms", Assert.Throws<ArgumentException>(() =>
            Reranker.RerankRanked(scores, new int[50], new float[50 * 4], 4, default, diverse, 0, output, new float[49])).ParamName);
    }

    [Theory]
    [InlineData(nameof(RankingSettings.Diversity), -0.1f)]
    [InlineData(nameof(RankingSettings.Diversity), 1.1f)]
    [InlineData(nameof(RankingSettings.PopularityPenalty), -1f)]
    [InlineData(nameof(RankingSettings.PopularityPenalty), float.PositiveInfinity)]
    [InlineData(nameof(RankingSettings.ExplorationShare), 1f)]
    [InlineData(nameof(RankingSettings.ExplorationShare), float.NaN)]
    [InlineData(nameof(RankingSettings.ExplorationScale), -0.5f)]
    [InlineData(nameof(RankingSettings.CandidatePool), 0f)]
    public void Settings_RejectValuesOutOfRange(string property, float value)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => property switch
        {
            nameof(RankingSettings.Diversity) => new RankingSettings { Diversity = value },
            nameof(RankingSettings.PopularityPenalty) => new RankingSettings { PopularityPenalty = value },
            nameof(RankingSettings.ExplorationShare) => new RankingSettings { ExplorationShare = value },
            nameof(RankingSettings.ExplorationScale) => new RankingSettings { ExplorationScale = value },
            _ => new RankingSettings { CandidatePool = (int)value },
        });
        Assert.Equal(property, error.ParamName);
    }

    [Theory]
    [InlineData(0f, 20, 0)]
    [InlineData(0.1f, 20, 2)]
    [InlineData(0.7f, 10, 7)]
    [InlineData(0.3f, 10, 3)]
    [InlineData(0.99f, 5, 4)]
    public void ExplorationSlots_IsTheFloorOfEpsilonTimesK(float share, int k, int slots)
    {
        Assert.Equal(slots, new RankingSettings { ExplorationShare = share }.ExplorationSlots(k));
    }

    [Fact]
    public void ItemVectors_AreUnitRowsAndZeroRowsStayZero()
    {
        ItemVectors vectors = ItemVectors.Normalize([3f, 4f, 0f, 0f, -2f, 0f], 2);

        Assert.Equal(3, vectors.Items);
        Assert.Equal([0.6f, 0.8f], vectors.Row(0).ToArray());
        Assert.Equal([0f, 0f], vectors.Row(1).ToArray());
        Assert.Equal([-1f, 0f], vectors.Row(2).ToArray());
        Assert.Throws<ArgumentException>(() => ItemVectors.Normalize([1f, 2f, 3f], 2));
    }

    private static int[] Rerank(float[] scores, ItemVectors? vectors, RankingSettings settings, int k, float[]? popularity = null)
    {
        var output = new int[k];
        int count = Reranker.Rerank(scores, vectors is null ? default : vectors.Values, vectors?.Dimensions ?? 0,
            popularity ?? new float[scores.Length], settings, 0, output);
        return output[..count];
    }

    private static IEnumerable<(int, int)> Pairs(int[] items) =>
        from a in Enumerable.Range(0, items.Length) from b in Enumerable.Range(a + 1, items.Length - a - 1) select (items[a], items[b]);

    // Gaussian scores with a fifth excluded (−∞) and some exact ties.
    internal static float[] Scores(int items, int seed)
    {
        var random = new Random(seed);
        var scores = new float[items];
        for (int i = 0; i < items; i++)
        {
            double roll = random.NextDouble();
            scores[i] = roll < 0.2 ? float.NegativeInfinity
                : roll < 0.3 ? MathF.Round((float)random.NextDouble(), 1)
                : (float)TestData.Gaussian(random);
        }
        return scores;
    }

    // Heavy-tailed counts, as real popularity is.
    internal static float[] Popularity(int items, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, items).Select(_ => MathF.Floor(MathF.Exp(6f * (float)random.NextDouble()))).ToArray();
    }

    internal static ItemVectors RandomVectors(int items, int dimensions, int seed)
    {
        var random = new Random(seed);
        return ItemVectors.Normalize(Enumerable.Range(0, items * dimensions).Select(_ => (float)TestData.Gaussian(random)).ToArray(), dimensions);
    }
}
