using System.Text.Json;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Models;
using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Tests;

public class RankingEvaluatorTests
{
    private const double Tolerance = 1e-12;

    private static readonly InteractionMatrix Matrix = EvaluationSplitTests.SkewedMatrix(users: 300, items: 120, seed: 11);

    [Fact]
    public void Evaluate_HandCheckedCase()
    {
        // Items 0..4; the model ranks higher indices first. K = 2.
        //   user 0: fold-in {4}, test {0+, 3+}   → ranking [3, 2]: one hit at rank 1 of min(2, 2)
        //   user 1: fold-in {0}, test {1−, 2+}   → ranking [4, 3]: no hit
        //   user 2: no fold-in                   → skipped
        //   user 3: fold-in {1}, test {2−}       → nothing relevant, skipped
        var foldIn = InteractionMatrix.FromEntries(4, 5, [new(0, 4, 1f), new(1, 0, 1f), new(3, 1, 1f)]);
        var test = InteractionMatrix.FromEntries(4, 5,
            [new(0, 0, 1f), new(0, 3, 2f), new(1, 1, -1f), new(1, 2, 1f), new(2, 1, 1f), new(3, 2, -1f)]);

        EvaluationResult result = RankingEvaluator.Evaluate(new IndexOrderModel(5), foldIn, test, new EvaluationOptions { K = 2, Threads = 1 });

        Assert.Equal(2, result.Users);
        Assert.Equal(0.25, result.Recall, Tolerance);
        Assert.Equal(0.25, result.RecallStandardError, Tolerance); // values 0.5 and 0: sqrt(0.125 / (2 · 1))
        Assert.Equal(0.25, result.Precision, Tolerance);
        Assert.Equal(0.5 / (1 + 1 / Math.Log2(3)), result.Ndcg, Tolerance);
        Assert.Equal(0.25, result.Map, Tolerance);
        Assert.Equal(3, result.RecommendedItems); // {2, 3, 4}
        Assert.Equal(0.6, result.Coverage, Tolerance);
        Assert.Equal("index-order", result.Model);
        Assert.Equal(5, result.Items);
        Assert.Equal([0, 1], RankingEvaluator.SelectUsers(foldIn, test));
    }

    [Theory]
    [InlineData(SplitProtocol.Holdout)]
    [InlineData(SplitProtocol.HeldOutUsers)]
    public void Evaluate_OracleScoresOneAndReverseOracleZero(SplitProtocol protocol)
    {
        SplitMatrices split = Split(protocol);
        var options = new EvaluationOptions { K = 5, Threads = 2 };

        EvaluationResult oracle = RankingEvaluator.Evaluate(new OracleModel(split, sign: 1f), split, options);
        EvaluationResult reverse = RankingEvaluator.Evaluate(new OracleModel(split, sign: -1f), split, options);

        Assert.True(oracle.Users > 20, $"only {oracle.Users} users evaluated");
        Assert.Equal(RankingEvaluator.SelectUsers(split.FoldIn, split.Test).Length, oracle.Users);
        Assert.Equal(1.0, oracle.Recall, Tolerance);
        Assert.Equal(1.0, oracle.Ndcg, Tolerance);
        Assert.Equal(1.0, oracle.Map, Tolerance);
        Assert.Equal(0.0, oracle.RecallStandardError, Tolerance);
        Assert.Equal(oracle.Users, reverse.Users);
        Assert.Equal(0.0, reverse.Recall);
        Assert.Equal(0.0, reverse.Ndcg);
        Assert.Equal(0.0, reverse.Precision);
    }

    [Fact]
    public void Evaluate_NeverRecommendsFoldInItems()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);

        // Only fold-in items get a finite score: once they are excluded, nothing is left to recommend.
        EvaluationResult onlySeen = RankingEvaluator.Evaluate(new SeenItemsModel(Matrix.Columns, others: float.NegativeInfinity), split,
            new EvaluationOptions { K = Matrix.Columns, Threads = 2 });
        Assert.True(onlySeen.Users > 0);
        Assert.Equal(0, onlySeen.RecommendedItems);
        Assert.Equal(0.0, onlySeen.Recall);

        // Fold-in items far ahead, relevant test items next: the test items must win every slot they can.
        EvaluationResult seenFirst = RankingEvaluator.Evaluate(new OracleModel(split, sign: 1f, seenBonus: 100f), split,
            new EvaluationOptions { K = 5, Threads = 2 });
        Assert.Equal(1.0, seenFirst.Recall, Tolerance);
        Assert.Equal(1.0, seenFirst.Ndcg, Tolerance);
    }

    [Theory]
    [InlineData(SplitProtocol.Holdout)]
    [InlineData(SplitProtocol.HeldOutUsers)]
    public void Evaluate_IsIndependentOfTheThreadCount(SplitProtocol protocol)
    {
        SplitMatrices split = Split(protocol);
        var model = new HashModel(Matrix.Columns);

        EvaluationResult one = RankingEvaluator.Evaluate(model, split, new EvaluationOptions { K = 10, Threads = 1 });
        EvaluationResult two = RankingEvaluator.Evaluate(model, split, new EvaluationOptions { K = 10, Threads = 2 });

        Assert.InRange(one.Recall, 0.01, 0.99); // a non-trivial ranking, so the comparison means something
        Assert.Equal(Metrics(one), Metrics(two));
    }

    [Fact]
    public void Evaluate_MaxUsers_TakesADeterministicSample()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);
        var model = new HashModel(Matrix.Columns);
        var capped = new EvaluationOptions { K = 10, MaxUsers = 40, Seed = 3, Threads = 2 };

        EvaluationResult first = RankingEvaluator.Evaluate(model, split, capped);
        EvaluationResult again = RankingEvaluator.Evaluate(model, split, capped);
        EvaluationResult all = RankingEvaluator.Evaluate(model, split, new EvaluationOptions { K = 10, Threads = 2 });

        Assert.Equal(40, first.Users);
        Assert.Equal(Metrics(first), Metrics(again));
        Assert.True(all.Users > 40);
        Assert.NotEqual(Metrics(all), Metrics(first));
    }

    [Fact]
    public void Evaluate_ReportsProgressInOrderUpToTheTotal()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);
        var reports = new List<EvaluationProgress>();

        EvaluationResult result = RankingEvaluator.Evaluate(new HashModel(Matrix.Columns), split,
            new EvaluationOptions { K = 10, Threads = 2, ProgressInterval = 50 }, new SynchronousProgress(reports));

        Assert.Equal(new EvaluationProgress(result.Users, result.Users), reports[^1]);
        Assert.All(reports, r => Assert.Equal(result.Users, r.Total));
        Assert.Equal(reports.Select(r => r.Done).Order(), reports.Select(r => r.Done));
        Assert.True(reports.Count >= result.Users / 50, $"{reports.Count} reports for {result.Users} users");
    }

    [Fact]
    public void Evaluate_RelevanceThreshold_SelectsTheRelevantEntries()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);

        int positive = RankingEvaluator.SelectUsers(split.FoldIn, split.Test).Length;
        int strong = RankingEvaluator.SelectUsers(split.FoldIn, split.Test, relevanceThreshold: 2.5f).Length;
        EvaluationResult result = RankingEvaluator.Evaluate(new HashModel(Matrix.Columns), split,
            new EvaluationOptions { K = 10, RelevanceThreshold = 2.5f });

        Assert.InRange(strong, 1, positive - 1);
        Assert.Equal(strong, result.Users);
    }

    [Fact]
    public void Result_ToDictionaryAndJson()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);
        EvaluationResult result = RankingEvaluator.Evaluate(new HashModel(Matrix.Columns), split, new EvaluationOptions { K = 20 });

        Dictionary<string, double> metrics = result.ToDictionary();
        Assert.Equal(["users", "recall@20", "ndcg@20", "precision@20", "map@20", "coverage@20",
            "recall@20.ci95.low", "recall@20.ci95.high", "ndcg@20.ci95.low", "ndcg@20.ci95.high",
            "precision@20.ci95.low", "precision@20.ci95.high", "map@20.ci95.low", "map@20.ci95.high"], metrics.Keys);
        Assert.InRange(result.Ndcg, metrics["ndcg@20.ci95.low"], metrics["ndcg@20.ci95.high"]);
        Assert.True(metrics["ndcg@20.ci95.high"] > metrics["ndcg@20.ci95.low"]);
        Assert.Equal(result.Users, metrics["users"]);
        Assert.Equal(result.Ndcg, metrics["ndcg@20"]);
        Assert.Equal(result.Coverage, metrics["coverage@20"]);

        var copy = JsonSerializer.Deserialize<EvaluationResult>(JsonSerializer.Serialize(result))!;
        Assert.Equal(Metrics(result), Metrics(copy));
        Assert.Equal(result.ElapsedSeconds, copy.ElapsedSeconds);
        Assert.Equal(result.Intervals, copy.Intervals);
    }

    [Fact]
    public void Evaluate_WithNoEligibleUsers_ReturnsZeros()
    {
        var empty = InteractionMatrix.FromEntries(3, 4, []);

        EvaluationResult result = RankingEvaluator.Evaluate(new HashModel(4), empty, empty);

        Assert.Equal(0, result.Users);
        Assert.Equal(0.0, result.Recall);
        Assert.Equal(0.0, result.Coverage);
    }

    [Fact]
    public void Evaluate_RejectsMismatchedInputs()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);

        Assert.Equal("model", Assert.Throws<ArgumentException>(() =>
            RankingEvaluator.Evaluate(new HashModel(Matrix.Columns + 1), split)).ParamName);
        Assert.Equal("test", Assert.Throws<ArgumentException>(() =>
            RankingEvaluator.Evaluate(new HashModel(Matrix.Columns), split.FoldIn, split.Test.Transpose())).ParamName);
    }

    [Fact]
    public void Evaluate_IldAndNovelty_HandCheckedCase()
    {
        // The hand case of Evaluate_HandCheckedCase: user 0 gets [3, 2], user 1 gets [4, 3].
        var foldIn = InteractionMatrix.FromEntries(4, 5, [new(0, 4, 1f), new(1, 0, 1f), new(3, 1, 1f)]);
        var test = InteractionMatrix.FromEntries(4, 5,
            [new(0, 0, 1f), new(0, 3, 2f), new(1, 1, -1f), new(1, 2, 1f), new(2, 1, 1f), new(3, 2, -1f)]);
        // Items 2 and 3 orthogonal (distance 1), items 3 and 4 equal (distance 0).
        ItemVectors vectors = ItemVectors.Normalize([1, 0, 1, 0, 0, 1, 1, 0, 1, 0], 2);
        // 8 users; item 2 held by 4 (1 bit), item 3 by 1 (3 bits), item 4 by 2 (2 bits).
        float[] popularity = [8, 8, 4, 1, 2];

        EvaluationResult result = RankingEvaluator.Evaluate(new IndexOrderModel(5), foldIn, test,
            new EvaluationOptions { K = 2, Threads = 1, ItemVectors = vectors, ItemPopularity = popularity, PopulationSize = 8 });

        Assert.Equal(0.5, result.Ild!.Value, Tolerance);
        Assert.Equal(0.5, result.IldStandardError!.Value, Tolerance); // values 1 and 0
        Assert.Equal(((1.0 + 3.0) / 2 + (3.0 + 2.0) / 2) / 2, result.Novelty!.Value, Tolerance);
        Dictionary<string, double> metrics = result.ToDictionary();
        Assert.Equal(result.Ild, metrics["ild@2"]);
        Assert.Equal(result.Novelty, metrics["novelty@2"]);
        // Accuracy is untouched by measuring more.
        Assert.Equal(0.25, result.Recall, Tolerance);
    }

    [Fact]
    public void Evaluate_WithRankingSettings_IsDeterministicAndIndependentOfTheThreadCount()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);
        var model = new HashModel(Matrix.Columns);
        EvaluationOptions Options(int threads, RankingSettings ranking) => new()
        {
            K = 10, Threads = threads, Ranking = ranking, ItemVectors = RerankerTests.RandomVectors(Matrix.Columns, 8, 5),
            ItemPopularity = RerankerTests.Popularity(Matrix.Columns, 6), PopulationSize = 1000,
        };
        var settings = new RankingSettings { Diversity = 0.5f, PopularityPenalty = 0.5f, ExplorationShare = 0.2f, CandidatePool = 40 };

        EvaluationResult one = RankingEvaluator.Evaluate(model, split, Options(1, settings));
        EvaluationResult two = RankingEvaluator.Evaluate(model, split, Options(2, settings));
        EvaluationResult again = RankingEvaluator.Evaluate(model, split, Options(2, settings));
        EvaluationResult plain = RankingEvaluator.Evaluate(model, split, Options(2, RankingSettings.Default));
        EvaluationResult withoutExtras = RankingEvaluator.Evaluate(model, split, new EvaluationOptions { K = 10, Threads = 2 });

        Assert.Equal(Metrics(one), Metrics(two));
        Assert.Equal((one.Ild, one.IldStandardError, one.Novelty, one.NoveltyStandardError), (two.Ild, two.IldStandardError, two.Novelty, two.NoveltyStandardError));
        Assert.Equal(Metrics(two), Metrics(again));
        Assert.Equal((two.Ild, two.Novelty), (again.Ild, again.Novelty));
        // The settings did change the lists: more diverse, less popular.
        Assert.True(one.Ild > plain.Ild, $"ILD {one.Ild} with MMR, {plain.Ild} without");
        Assert.True(one.Novelty > plain.Novelty, $"novelty {one.Novelty} with the penalty, {plain.Novelty} without");
        // Default settings with vectors and popularity: the same lists as without them.
        Assert.Equal(Metrics(withoutExtras), Metrics(plain));
        Assert.Null(withoutExtras.Ild);
        Assert.Null(withoutExtras.Novelty);
        Assert.DoesNotContain("ild@10", withoutExtras.ToDictionary().Keys);
    }

    [Fact]
    public void Evaluate_WithRankingSettings_RequiresTheirInputs()
    {
        SplitMatrices split = Split(SplitProtocol.Holdout);
        var model = new HashModel(Matrix.Columns);

        Assert.Equal(nameof(EvaluationOptions.ItemVectors), Assert.Throws<ArgumentException>(() => RankingEvaluator.Evaluate(model, split,
            new EvaluationOptions { Ranking = new RankingSettings { Diversity = 0.3f } })).ParamName);
        Assert.Equal(nameof(EvaluationOptions.ItemPopularity), Assert.Throws<ArgumentException>(() => RankingEvaluator.Evaluate(model, split,
            new EvaluationOptions { Ranking = new RankingSettings { ExplorationShare = 0.1f } })).ParamName);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => RankingEvaluator.Evaluate(model, split,
            new EvaluationOptions { ItemVectors = RerankerTests.RandomVectors(Matrix.Columns - 1, 4, 1) })).ParamName);
        Assert.Equal(nameof(EvaluationOptions.PopulationSize), Assert.Throws<ArgumentOutOfRangeException>(() => RankingEvaluator.Evaluate(model, split,
            new EvaluationOptions { ItemPopularity = new float[Matrix.Columns] })).ParamName);
    }

    [Theory]
    [InlineData(nameof(EvaluationOptions.K))]
    [InlineData(nameof(EvaluationOptions.Threads))]
    [InlineData(nameof(EvaluationOptions.MaxUsers))]
    [InlineData(nameof(EvaluationOptions.RelevanceThreshold))]
    [InlineData(nameof(EvaluationOptions.ProgressInterval))]
    public void Options_Validate_NamesTheBadProperty(string property)
    {
        EvaluationOptions options = property switch
        {
            nameof(EvaluationOptions.K) => new EvaluationOptions { K = 0 },
            nameof(EvaluationOptions.Threads) => new EvaluationOptions { Threads = 0 },
            nameof(EvaluationOptions.MaxUsers) => new EvaluationOptions { MaxUsers = 0 },
            nameof(EvaluationOptions.RelevanceThreshold) => new EvaluationOptions { RelevanceThreshold = float.NaN },
            _ => new EvaluationOptions { ProgressInterval = 0 },
        };

        Assert.Equal(property, Assert.Throws<ArgumentOutOfRangeException>(options.Validate).ParamName);
        var split = Split(SplitProtocol.Holdout);
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingEvaluator.Evaluate(new HashModel(Matrix.Columns), split, options));
    }

    private static SplitMatrices Split(SplitProtocol protocol) => protocol == SplitProtocol.Holdout
        ? EvaluationSplit.Holdout(Matrix, 0.2, seed: 1).Apply(Matrix)
        : EvaluationSplit.UsersByFraction(Matrix, 0.3, 0.8, seed: 1).Apply(Matrix);

    // Everything but the timing.
    private static (int, int, double, double, double, double, double, double, double, double, int, double) Metrics(EvaluationResult r) =>
        (r.Users, r.K, r.Recall, r.RecallStandardError, r.Ndcg, r.NdcgStandardError, r.Precision, r.PrecisionStandardError,
            r.Map, r.MapStandardError, r.RecommendedItems, r.Coverage);

    private abstract class TestModel(string name, int items) : IRecommenderModel
    {
        public string Name => name;

        public int Items => items;

        public IReadOnlyDictionary<string, double> Parameters { get; } = new Dictionary<string, double>();

        public abstract void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores);
    }

    private sealed class IndexOrderModel(int items) : TestModel("index-order", items)
    {
        public override void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
        {
            for (int i = 0; i < scores.Length; i++)
                scores[i] = i;
        }
    }

    // Fold-in items score seenBonus; everything else scores `others`.
    private sealed class SeenItemsModel(int items, float others) : TestModel("seen", items)
    {
        public override void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
        {
            scores.Fill(others);
            foreach (int item in items)
                scores[item] = 1f;
        }
    }

    // Knows the test matrix: recognizes the user by their fold-in row and scores relevant test items sign·1, others 0.
    private sealed class OracleModel : TestModel
    {
        private readonly Dictionary<string, int> _userByFoldIn = [];
        private readonly InteractionMatrix _test;
        private readonly float _sign;
        private readonly float _seenBonus;

        public OracleModel(SplitMatrices split, float sign, float seenBonus = 0f) : base("oracle", split.Test.Columns)
        {
            _test = split.Test;
            _sign = sign;
            _seenBonus = seenBonus;
            foreach (int u in RankingEvaluator.SelectUsers(split.FoldIn, split.Test))
                Assert.True(_userByFoldIn.TryAdd(Key(split.FoldIn.RowColumns(u)), u), "two users share a fold-in row");
        }

        public override void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
        {
            int user = _userByFoldIn[Key(items)];
            scores.Clear();
            for (int j = 0; j < _test.RowColumns(user).Length; j++)
            {
                if (_test.RowWeights(user)[j] > 0)
                    scores[_test.RowColumns(user)[j]] = _sign;
            }
            foreach (int item in items)
                scores[item] += _seenBonus;
        }

        private static string Key(ReadOnlySpan<int> items) => string.Join(",", items.ToArray());
    }

    // A fixed pseudo-random ranking per fold-in row, to compare runs.
    private sealed class HashModel(int items) : TestModel("hash", items)
    {
        public override void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
        {
            uint state = 2166136261;
            foreach (int item in items)
                state = (state ^ (uint)item) * 16777619;
            for (int i = 0; i < scores.Length; i++)
            {
                uint h = (state ^ (uint)i) * 2654435761u;
                h ^= h >> 15;
                // Coarse values on purpose: many exact ties, which must also break the same way on every thread.
                scores[i] = (h % 1000) / 1000f;
            }
        }
    }

    private sealed class SynchronousProgress(List<EvaluationProgress> reports) : IProgress<EvaluationProgress>
    {
        public void Report(EvaluationProgress value)
        {
            lock (reports)
                reports.Add(value);
        }
    }
}
