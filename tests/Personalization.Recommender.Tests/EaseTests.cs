using Personalization.Recommender.Models;

namespace Personalization.Recommender.Tests;

public class EaseTests
{
    [Fact]
    public void Fit_MatchesADirectDenseSolve()
    {
        const int users = 40, items = 15;
        const double lambda = 3;
        InteractionMatrix matrix = RandomMatrix(users, items, seed: 1);

        EaseModel model = new EaseTrainer(new EaseOptions { Regularization = lambda, MinItemUsers = 1, Threads = 2 }).Fit(matrix);

        Assert.Equal(Enumerable.Range(0, items), model.KeptItems.ToArray());
        double[] expected = NaiveWeights(matrix, lambda);
        ReadOnlySpan<float> weights = model.Weights;
        for (int i = 0; i < items * items; i++)
            Assert.Equal(expected[i], weights[i], 1e-6);
    }

    [Fact]
    public void Fit_LeavesTheDiagonalAtZero()
    {
        EaseModel model = new EaseTrainer(new EaseOptions { Regularization = 2, MinItemUsers = 1 }).Fit(RandomMatrix(30, 12, seed: 2));

        int n = model.KeptItems.Length;
        for (int i = 0; i < n; i++)
            Assert.Equal(0f, model.Weights[i * n + i]);
        Assert.Contains(model.Weights.ToArray(), w => w != 0);
    }

    [Fact]
    public void Score_IsTheSumOfTheWeightRowsOfThePositiveItems()
    {
        EaseModel model = new EaseTrainer(new EaseOptions { Regularization = 5, MinItemUsers = 1 }).Fit(RandomMatrix(30, 10, seed: 3));
        int n = model.Items;
        var scores = new float[n];

        // Item 5's negative value and item 7's zero do not count.
        model.Score([1, 4, 5, 7], [2f, 0.5f, -1f, 0f], scores);

        for (int j = 0; j < n; j++)
            Assert.Equal(model.Weights[1 * n + j] + model.Weights[4 * n + j], scores[j], 1e-6);
    }

    [Fact]
    public void Fit_LeavesOutRareItemsAndScoresThemBelowEverything()
    {
        // Items 0 and 2 have three users with positive values; item 1 two (and one negative); item 3 one.
        var matrix = InteractionMatrix.FromEntries(4, 4,
        [
            new(0, 0, 1), new(1, 0, 1), new(2, 0, 1),
            new(0, 1, 1), new(1, 1, 1), new(2, 1, -1),
            new(1, 2, 1), new(2, 2, 1), new(3, 2, 1),
            new(3, 3, 1),
        ]);

        EaseModel model = new EaseTrainer(new EaseOptions { Regularization = 1, MinItemUsers = 3 }).Fit(matrix);

        Assert.Equal([0, 2], model.KeptItems.ToArray());
        // Over the kept items (users 1 and 2 share them) G = [[3, 2], [2, 3]] + I; P = [[4, −2], [−2, 4]]/12,
        // so B_01 = B_10 = −P_01 / P_11 = 1/2.
        Assert.Equal([0f, 0.5f, 0.5f, 0f], model.Weights.ToArray());

        var scores = new float[4];
        model.Score([0, 1, 3], [1, 1, 1], scores);
        Assert.Equal([0f, EaseModel.UnlearnedScore, 0.5f, EaseModel.UnlearnedScore], scores);
        model.Score([2], [1], scores);
        Assert.Equal([0.5f, EaseModel.UnlearnedScore, 0f, EaseModel.UnlearnedScore], scores);
    }

    [Fact]
    public void Fit_WithoutKeptItemsScoresEverythingAsUnlearned()
    {
        EaseModel model = new EaseTrainer(new EaseOptions { MinItemUsers = 5 }).Fit(InteractionMatrix.FromEntries(2, 3, [new(0, 1, 1)]));

        var scores = new float[3];
        model.Score([1], [1], scores);

        Assert.Empty(model.KeptItems.ToArray());
        Assert.All(scores, s => Assert.Equal(EaseModel.UnlearnedScore, s));
    }

    [Fact]
    public void Fit_DoesNotDependOnTheThreadCount()
    {
        // More than one pivot block, so the parallel paths of the inverse run.
        InteractionMatrix matrix = RandomMatrix(300, 200, seed: 4);

        EaseModel one = new EaseTrainer(new EaseOptions { MinItemUsers = 1, Regularization = 10, Threads = 1 }).Fit(matrix);
        EaseModel three = new EaseTrainer(new EaseOptions { MinItemUsers = 1, Regularization = 10, Threads = 3 }).Fit(matrix);

        Assert.True(one.Weights.SequenceEqual(three.Weights));
    }

    [Fact]
    public void Fit_ReportsTheGramEveryPivotBlockAndTheWeights()
    {
        var reports = new List<TrainingProgress>();
        new EaseTrainer(new EaseOptions { MinItemUsers = 1 }).Fit(RandomMatrix(300, 200, seed: 5), new SynchronousProgress<TrainingProgress>(reports.Add));

        // 200 items make two pivot blocks of 128.
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Step));
        Assert.All(reports, r => Assert.Equal(("ease", 4), (r.Model, r.Steps)));
    }

    [Fact]
    public void Fit_ExposesItsParameters()
    {
        EaseModel model = new EaseTrainer(new EaseOptions { Regularization = 250, MinItemUsers = 2 }).Fit(RandomMatrix(10, 5, seed: 6));

        Assert.Equal("ease", model.Name);
        Assert.Equal(250, model.Parameters["regularization"]);
        Assert.Equal(2, model.Parameters["minItemUsers"]);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>("Regularization", () => new EaseTrainer(new EaseOptions { Regularization = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("Regularization", () => new EaseTrainer(new EaseOptions { Regularization = double.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>("MinItemUsers", () => new EaseTrainer(new EaseOptions { MinItemUsers = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("Threads", () => new EaseTrainer(new EaseOptions { Threads = 0 }));
    }

    [Fact]
    public void Score_ValidatesItsArguments()
    {
        EaseModel model = new EaseTrainer(new EaseOptions { MinItemUsers = 1 }).Fit(RandomMatrix(10, 5, seed: 7));

        Assert.Throws<ArgumentException>("scores", () => model.Score([], [], new float[4]));
        Assert.Throws<ArgumentException>("values", () => model.Score([0], [], new float[5]));
        Assert.Throws<ArgumentOutOfRangeException>("items", () => model.Score([5], [1], new float[5]));
    }

    /// <summary>About a third of the cells filled; a fifth of those negative.</summary>
    internal static InteractionMatrix RandomMatrix(int users, int items, int seed)
    {
        var random = new Random(seed);
        var entries = new List<MatrixEntry>();
        for (int u = 0; u < users; u++)
        {
            for (int i = 0; i < items; i++)
            {
                if (random.NextDouble() < 0.35)
                    entries.Add(new MatrixEntry(u, i, random.NextDouble() < 0.2 ? -1 : random.Next(1, 6)));
            }
        }
        return InteractionMatrix.FromEntries(users, items, entries.ToArray());
    }

    // B = −P / diag(P) column-wise with P = (XᵀX + λI)⁻¹ by plain Gauss–Jordan, X the positive entries as ones.
    private static double[] NaiveWeights(InteractionMatrix matrix, double lambda)
    {
        int n = matrix.Columns;
        var gram = new double[n * n];
        for (int u = 0; u < matrix.Rows; u++)
        {
            int[] positive = [.. matrix.RowColumns(u).ToArray().Where((_, t) => matrix.RowWeights(u)[t] > 0)];
            foreach (int a in positive)
                foreach (int b in positive)
                    gram[a * n + b] += 1;
        }
        for (int i = 0; i < n; i++)
            gram[i * n + i] += lambda;
        double[] p = DenseSpdTests.NaiveInverse(gram, n);
        var weights = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                weights[i * n + j] = i == j ? 0 : -p[i * n + j] / p[j * n + j];
        return weights;
    }
}
