namespace Personalization.Recommender.Tests;

public class ImplicitAlsTrainerTests
{
    private static readonly InteractionMatrix RandomMatrix =
        InteractionMatrix.FromEntries(200, 150, TestData.RandomEntries(200, 150, 3000, seed: 21));

    private static AlsOptions SmallOptions(int threads = 2, bool computeLoss = true, AlsSolver solver = AlsSolver.ConjugateGradient) => new()
    {
        Solver = solver,
        Factors = 16,
        Iterations = 8,
        Regularization = 0.1f,
        Alpha = 20f,
        Seed = 42,
        Threads = threads,
        ComputeLoss = computeLoss,
    };

    private static AlsOptions WithIterations(AlsOptions o, int iterations) => new()
    {
        Factors = o.Factors, Iterations = iterations, Regularization = o.Regularization, Alpha = o.Alpha,
        Seed = o.Seed, Threads = o.Threads, ComputeLoss = o.ComputeLoss, Solver = o.Solver, CgSteps = o.CgSteps,
    };

    [Theory]
    [InlineData(AlsSolver.ConjugateGradient)]
    [InlineData(AlsSolver.Cholesky)]
    public void Fit_LossDecreasesAfterEveryIteration(AlsSolver solver)
    {
        var reported = new List<AlsIterationReport>();
        var result = new ImplicitAlsTrainer(SmallOptions(solver: solver)).Fit(RandomMatrix, new SynchronousProgress(reported));

        Assert.Equal(8, result.Iterations.Count);
        Assert.Equal(result.Iterations, reported);
        Assert.Equal(Enumerable.Range(1, 8), result.Iterations.Select(r => r.Iteration));
        for (int i = 1; i < result.Iterations.Count; i++)
        {
            double previous = result.Iterations[i - 1].Loss, current = result.Iterations[i].Loss;
            Assert.True(double.IsFinite(current));
            Assert.True(current <= previous * (1 + 1e-9), $"iteration {i + 1}: loss {current} after {previous}");
        }
        Assert.True(result.Iterations[^1].Loss < result.Iterations[0].Loss);
    }

    [Theory]
    [InlineData(AlsSolver.ConjugateGradient)]
    [InlineData(AlsSolver.Cholesky)]
    public void Fit_ReportedLossEqualsTheObjectiveSummedOverAllPairs(AlsSolver solver)
    {
        var options = WithIterations(SmallOptions(solver: solver), 2);
        var result = new ImplicitAlsTrainer(options).Fit(RandomMatrix);

        double expected = DenseObjective(RandomMatrix, result, options);
        double actual = result.Iterations[^1].Loss;
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * expected, $"{actual} vs dense {expected}");
    }

    [Theory]
    [InlineData(AlsSolver.ConjugateGradient)]
    [InlineData(AlsSolver.Cholesky)]
    public void Fit_IsDeterministicForASeedAndIndependentOfThreads(AlsSolver solver)
    {
        var first = new ImplicitAlsTrainer(SmallOptions(threads: 2, solver: solver)).Fit(RandomMatrix);
        var second = new ImplicitAlsTrainer(SmallOptions(threads: 2, solver: solver)).Fit(RandomMatrix);
        var singleThreaded = new ImplicitAlsTrainer(SmallOptions(threads: 1, solver: solver)).Fit(RandomMatrix);

        Assert.Equal(first.UserFactors, second.UserFactors);
        Assert.Equal(first.ItemFactors, second.ItemFactors);
        Assert.Equal(first.ItemFactors, singleThreaded.ItemFactors);
        Assert.Equal(first.Iterations.Select(r => r.Loss), singleThreaded.Iterations.Select(r => r.Loss));

        var otherSeed = new ImplicitAlsTrainer(new AlsOptions { Factors = 16, Iterations = 8, Seed = 7, Threads = 2 }).Fit(RandomMatrix);
        Assert.NotEqual(first.ItemFactors, otherSeed.ItemFactors);
    }

    [Fact]
    public void Fit_LearnsTwoDisjointCommunities()
    {
        // Users 0–59 only touch items 0–39, users 60–119 only items 40–79; each sees about half of its side.
        const int users = 120, items = 80;
        var random = new Random(5);
        var entries = new List<MatrixEntry>();
        var seen = new bool[users, items];
        for (int u = 0; u < users; u++)
        {
            int offset = u < users / 2 ? 0 : items / 2;
            for (int i = 0; i < items / 2; i++)
            {
                if (random.NextDouble() < 0.5)
                {
                    entries.Add(new MatrixEntry(u, offset + i, 1 + random.Next(3)));
                    seen[u, offset + i] = true;
                }
            }
        }
        var matrix = InteractionMatrix.FromEntries(users, items, entries.ToArray());

        var result = new ImplicitAlsTrainer(new AlsOptions { Factors = 8, Iterations = 10, Threads = 2 }).Fit(matrix);

        int k = result.Factors;
        var scores = new float[items];
        for (int u = 0; u < users; u++)
        {
            Scoring.ScoreAll(result.ItemFactors, k, result.UserFactors.AsSpan(u * k, k), scores);
            bool firstGroup = u < users / 2;
            double inGroup = 0, outGroup = 0;
            int inCount = 0, outCount = 0;
            for (int i = 0; i < items; i++)
            {
                if (seen[u, i])
                    continue;
                if ((i < items / 2) == firstGroup) { inGroup += scores[i]; inCount++; }
                else { outGroup += scores[i]; outCount++; }
            }
            Assert.True(inGroup / inCount > outGroup / outCount + 0.1,
                $"user {u}: unseen in-group mean {inGroup / inCount} vs out-of-group {outGroup / outCount}");
        }
    }

    [Fact]
    public void ConjugateGradientAndCholesky_ReachTheSameObjectiveAndRanking()
    {
        var cg = new ImplicitAlsTrainer(WithIterations(SmallOptions(), 15)).Fit(RandomMatrix);
        var exact = new ImplicitAlsTrainer(WithIterations(SmallOptions(solver: AlsSolver.Cholesky), 15)).Fit(RandomMatrix);

        // Three warm-started CG steps per half-step track the exact solve closely (Takács et al. report the same).
        double cgLoss = cg.Iterations[^1].Loss, exactLoss = exact.Iterations[^1].Loss;
        Assert.True(Math.Abs(cgLoss - exactLoss) <= 0.02 * exactLoss, $"CG loss {cgLoss} vs Cholesky {exactLoss}");

        // Both models rank items alike for every user: the top-10 lists overlap by at least 7 on average.
        int k = cg.Factors, overlap = 0;
        var cgScores = new float[cg.Items];
        var exactScores = new float[exact.Items];
        for (int u = 0; u < cg.Users; u++)
        {
            Scoring.ScoreAll(cg.ItemFactors, k, cg.UserFactors.AsSpan(u * k, k), cgScores);
            Scoring.ScoreAll(exact.ItemFactors, k, exact.UserFactors.AsSpan(u * k, k), exactScores);
            overlap += Top(cgScores, 10).Intersect(Top(exactScores, 10)).Count();
        }
        Assert.True(overlap >= 7.0 * cg.Users, $"mean top-10 overlap {overlap / (double)cg.Users}");
    }

    [Fact]
    public void ConjugateGradient_WithKStepsSolvesTheRowExactly()
    {
        const int k = 12, rows = 40;
        float[] y = TestData.GaussianFactors(rows, k, seed: 3, scale: 0.5);
        double[] gram = TestData.NaiveGram(y, rows, k);
        int[] items = [1, 4, 7, 9, 20, 33];
        float[] weights = [3f, 1f, -2f, 5f, 0.5f, 2f];
        const float alpha = 2f, lambda = 0.1f;

        var exact = new float[k];
        FoldIn.Solve(y, k, gram, items, weights, alpha, lambda, exact);

        var regularized = new float[k * k];
        for (int i = 0; i < regularized.Length; i++)
            regularized[i] = (float)gram[i];
        for (int d = 0; d < k; d++)
            regularized[d * k + d] += lambda;
        var x = new float[k]; // cold start from zero
        ConjugateGradient.Solve(y, k, regularized, items, weights, alpha, steps: 2 * k, x, new float[ConjugateGradient.ScratchLength(k)]);

        for (int d = 0; d < k; d++)
            Assert.True(Math.Abs(x[d] - exact[d]) <= 1e-3 * (1 + Math.Abs(exact[d])), $"factor {d}: CG {x[d]} vs exact {exact[d]}");
    }

    private static IEnumerable<int> Top(float[] scores, int count) =>
        Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).Take(count);

    [Fact]
    public void Fit_WithoutLoss_ReportsNaN()
    {
        var result = new ImplicitAlsTrainer(WithIterations(SmallOptions(computeLoss: false), 2)).Fit(RandomMatrix);

        Assert.All(result.Iterations, r => Assert.True(double.IsNaN(r.Loss)));
        Assert.Equal(200 * 16, result.UserFactors.Length);
        Assert.Equal(150 * 16, result.ItemFactors.Length);
    }

    [Fact]
    public void Fit_HonoursCancellation()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() =>
            new ImplicitAlsTrainer(SmallOptions()).Fit(RandomMatrix, cancellationToken: cancellation.Token));
    }

    [Theory]
    [InlineData(nameof(AlsOptions.Factors))]
    [InlineData(nameof(AlsOptions.Iterations))]
    [InlineData(nameof(AlsOptions.Regularization))]
    [InlineData(nameof(AlsOptions.Alpha))]
    [InlineData(nameof(AlsOptions.Threads))]
    [InlineData(nameof(AlsOptions.CgSteps))]
    public void Options_Validate_NamesTheBadProperty(string property)
    {
        AlsOptions options = property switch
        {
            nameof(AlsOptions.Factors) => new AlsOptions { Factors = 0 },
            nameof(AlsOptions.Iterations) => new AlsOptions { Iterations = 0 },
            nameof(AlsOptions.Regularization) => new AlsOptions { Regularization = float.NaN },
            nameof(AlsOptions.Alpha) => new AlsOptions { Alpha = -1f },
            nameof(AlsOptions.CgSteps) => new AlsOptions { CgSteps = 0 },
            _ => new AlsOptions { Threads = 0 },
        };

        var error = Assert.ThrowsAny<ArgumentException>(options.Validate);
        Assert.Equal(property, error.ParamName);
        Assert.ThrowsAny<ArgumentException>(() => new ImplicitAlsTrainer(options));
    }

    // Σ over every (u, i) of c (p − s)² plus the regularization, by brute force.
    private static double DenseObjective(InteractionMatrix matrix, AlsResult result, AlsOptions options)
    {
        int k = result.Factors;
        double loss = 0;
        for (int u = 0; u < result.Users; u++)
        {
            var weights = new Dictionary<int, float>();
            for (int j = 0; j < matrix.RowColumns(u).Length; j++)
                weights[matrix.RowColumns(u)[j]] = matrix.RowWeights(u)[j];
            for (int i = 0; i < result.Items; i++)
            {
                double s = 0;
                for (int d = 0; d < k; d++)
                    s += (double)result.UserFactors[u * k + d] * result.ItemFactors[i * k + d];
                double c = 1, p = 0;
                if (weights.TryGetValue(i, out float w))
                {
                    c = 1 + options.Alpha * Math.Abs(w);
                    p = w > 0 ? 1 : 0;
                }
                loss += c * (p - s) * (p - s);
            }
        }
        double norms = result.UserFactors.Sum(v => (double)v * v) + result.ItemFactors.Sum(v => (double)v * v);
        return loss + options.Regularization * norms;
    }

    // Progress<T> posts to the thread pool; tests need the reports before Fit returns.
    private sealed class SynchronousProgress(List<AlsIterationReport> reports) : IProgress<AlsIterationReport>
    {
        public void Report(AlsIterationReport value) => reports.Add(value);
    }
}
