using Personalization.Recommender.Models;

namespace Personalization.Recommender.Tests;

public class BiasedMfTests
{
    // A larger step and lighter penalty than the defaults: a few thousand ratings need them to converge in 60 epochs.
    private static readonly BiasedMfOptions Small = new() { Factors = 6, Epochs = 60, LearningRate = 0.03f, FactorRegularization = 0.03f, Seed = 3 };

    [Fact]
    public void Fit_TrainingRmseFallsEveryEpoch()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 1);
        var losses = new List<double>();

        new BiasedMfTrainer(Small).Fit(train, new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss)));

        Assert.Equal(Small.Epochs, losses.Count);
        // Strictly down while far from the noise floor (ratings carry noise of σ = 0.1), where it then jitters.
        for (int e = 1; e < 20; e++)
            Assert.True(losses[e] < losses[e - 1], $"Epoch {e + 1}: RMSE {losses[e]} after {losses[e - 1]}.");
        Assert.True(losses[^1] < 0.2 * losses[0], $"RMSE {losses[^1]} after the last epoch, {losses[0]} after the first.");
        Assert.True(losses.Skip(20).Max() < losses[19] + 0.01);
    }

    [Fact]
    public void Fit_BeatsTheGlobalMeanOnHeldOutRatingsOfALowRankMatrix()
    {
        (InteractionMatrix train, InteractionMatrix test) = Synthetic(seed: 2);

        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(train);

        double baseline = RmseOf(test, (_, _) => model.GlobalMean);
        double rmse = model.Rmse(test);
        Assert.True(baseline > 1, $"The synthetic ratings should spread: baseline {baseline}.");
        Assert.True(rmse < 0.25 * baseline, $"Test RMSE {rmse} against the global mean's {baseline}.");
        Assert.Equal(RmseOf(test, model.Predict), rmse, 1e-9);
    }

    [Fact]
    public void Fit_IsDeterministicForASeed()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 3);

        BiasedMfModel first = new BiasedMfTrainer(Small).Fit(train);
        BiasedMfModel second = new BiasedMfTrainer(Small).Fit(train);
        BiasedMfModel reseeded = new BiasedMfTrainer(new BiasedMfOptions { Factors = 6, Epochs = 60, LearningRate = 0.03f, FactorRegularization = 0.03f, Seed = 4 }).Fit(train);

        Assert.True(first.UserFactors.SequenceEqual(second.UserFactors));
        Assert.True(first.ItemFactors.SequenceEqual(second.ItemFactors));
        Assert.True(first.UserBiases.SequenceEqual(second.UserBiases));
        Assert.True(first.ItemBiases.SequenceEqual(second.ItemBiases));
        Assert.False(first.ItemFactors.SequenceEqual(reseeded.ItemFactors));
    }

    [Fact]
    public void FoldIn_FitsAUsersRatingsBetterThanTheBiases()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 4);
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(train);
        var factors = new float[model.Factors];

        for (int u = 0; u < 10; u++)
        {
            int[] items = train.RowColumns(u).ToArray();
            float[] values = train.RowWeights(u).ToArray();
            model.FoldIn(items, values, factors, out float bias);

            double folded = 0, itemBiasOnly = 0;
            for (int t = 0; t < items.Length; t++)
            {
                double prediction = model.GlobalMean + bias + model.ItemBiases[items[t]]
                    + Dot(factors, model.ItemFactors.Slice(items[t] * model.Factors, model.Factors));
                folded += Math.Pow(values[t] - prediction, 2);
                itemBiasOnly += Math.Pow(values[t] - model.GlobalMean - model.ItemBiases[items[t]], 2);
            }
            Assert.True(folded < 0.3 * itemBiasOnly, $"User {u}: folded-in squared error {folded}, item biases alone {itemBiasOnly}.");
        }
    }

    [Fact]
    public void Score_OfATrainingUsersRatingsAgreesWithPredict()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 5);
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(train);
        var scores = new float[model.Items];

        for (int u = 0; u < 10; u++)
        {
            model.Score(train.RowColumns(u), train.RowWeights(u), scores);
            double[] predicted = [.. Enumerable.Range(0, model.Items).Select(i => (double)model.Predict(u, i))];
            double correlation = Pearson(predicted, [.. scores.Select(s => (double)s)]);
            Assert.True(correlation > 0.95, $"User {u}: fold-in scores correlate {correlation} with Predict.");
        }
    }

    [Fact]
    public void Score_IsThePredictedRatingOfTheFoldedInUser()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 6);
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(train);
        int[] items = [1, 5, 9];
        float[] values = [4.5f, 1, 3];
        var factors = new float[model.Factors];
        var scores = new float[model.Items];

        model.FoldIn(items, values, factors, out float bias);
        model.Score(items, values, scores);

        for (int i = 0; i < model.Items; i++)
        {
            double expected = model.GlobalMean + bias + model.ItemBiases[i] + Dot(factors, model.ItemFactors.Slice(i * model.Factors, model.Factors));
            Assert.Equal(expected, scores[i], 1e-4);
        }
    }

    [Fact]
    public void Score_WithoutRatingsRanksByItemBias()
    {
        (InteractionMatrix train, _) = Synthetic(seed: 7);
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(train);
        var scores = new float[model.Items];

        // A zero value means "not rated", so this user has no ratings either.
        model.Score([2], [0], scores);

        for (int i = 0; i < model.Items; i++)
            Assert.Equal(model.GlobalMean + model.ItemBiases[i], scores[i], 1e-6);
    }

    [Fact]
    public void Fit_SkipsZeroEntriesAndZeroesRowsWithoutRatings()
    {
        // User 2 and item 3 have only a zero entry: no ratings.
        var matrix = InteractionMatrix.FromEntries(3, 4,
            [new(0, 0, 4), new(0, 1, 2), new(1, 0, 5), new(1, 2, 3), new(2, 3, 0)]);

        BiasedMfModel model = new BiasedMfTrainer(new BiasedMfOptions { Factors = 3, Epochs = 5 }).Fit(matrix);

        Assert.Equal(3.5f, model.GlobalMean);
        Assert.All(model.UserFactors.Slice(2 * 3, 3).ToArray(), f => Assert.Equal(0f, f));
        Assert.All(model.ItemFactors.Slice(3 * 3, 3).ToArray(), f => Assert.Equal(0f, f));
        Assert.Equal(0f, model.UserBiases[2]);
        Assert.Equal(0f, model.ItemBiases[3]);
        Assert.Contains(model.UserFactors.ToArray(), f => f != 0);
    }

    [Fact]
    public void Rmse_ValidatesTheShapeAndIsNaNWithoutRatings()
    {
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(InteractionMatrix.FromEntries(2, 2, [new(0, 0, 3)]));

        Assert.True(double.IsNaN(model.Rmse(InteractionMatrix.FromEntries(2, 2, []))));
        Assert.Throws<ArgumentException>("ratings", () => model.Rmse(InteractionMatrix.FromEntries(3, 2, [])));
        Assert.Throws<ArgumentOutOfRangeException>("item", () => model.Predict(0, 2));
    }

    [Fact]
    public void Fit_ExposesItsParameters()
    {
        BiasedMfModel model = new BiasedMfTrainer(Small).Fit(InteractionMatrix.FromEntries(1, 1, [new(0, 0, 3)]));

        Assert.Equal("mf", model.Name);
        Assert.Equal(6, model.Parameters["factors"]);
        Assert.Equal(60, model.Parameters["epochs"]);
        Assert.Equal(3, model.Parameters["seed"]);
    }

    [Fact]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentOutOfRangeException>("Factors", () => new BiasedMfTrainer(new BiasedMfOptions { Factors = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("Epochs", () => new BiasedMfTrainer(new BiasedMfOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("LearningRate", () => new BiasedMfTrainer(new BiasedMfOptions { LearningRate = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("LearningRateDecay", () => new BiasedMfTrainer(new BiasedMfOptions { LearningRateDecay = 1.5f }));
        Assert.Throws<ArgumentOutOfRangeException>("BiasRegularization", () => new BiasedMfTrainer(new BiasedMfOptions { BiasRegularization = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>("FactorRegularization", () => new BiasedMfTrainer(new BiasedMfOptions { FactorRegularization = float.NaN }));
        Assert.Throws<ArgumentOutOfRangeException>("InitialScale", () => new BiasedMfTrainer(new BiasedMfOptions { InitialScale = -0.1f }));
    }

    /// <summary>
    /// Ratings 3.5 + b_u + b_i + p_u·q_i + noise (σ = 0.1) with rank-4 factors, on about 40% of a 150×80 grid, split 90/10.
    /// </summary>
    internal static (InteractionMatrix Train, InteractionMatrix Test) Synthetic(int seed)
    {
        const int users = 150, items = 80, rank = 4;
        var random = new Random(seed);
        float[] p = TestData.GaussianFactors(users, rank, seed + 1, 0.8);
        float[] q = TestData.GaussianFactors(items, rank, seed + 2, 0.8);
        float[] userBias = TestData.GaussianFactors(users, 1, seed + 3, 0.3);
        float[] itemBias = TestData.GaussianFactors(items, 1, seed + 4, 0.3);
        var train = new List<MatrixEntry>();
        var test = new List<MatrixEntry>();
        for (int u = 0; u < users; u++)
        {
            for (int i = 0; i < items; i++)
            {
                if (random.NextDouble() >= 0.4)
                    continue;
                double rating = 3.5 + userBias[u] + itemBias[i] + 0.1 * TestData.Gaussian(random);
                for (int f = 0; f < rank; f++)
                    rating += p[u * rank + f] * q[i * rank + f];
                (random.NextDouble() < 0.1 ? test : train).Add(new MatrixEntry(u, i, (float)rating));
            }
        }
        return (InteractionMatrix.FromEntries(users, items, train.ToArray()), InteractionMatrix.FromEntries(users, items, test.ToArray()));
    }

    private static double RmseOf(InteractionMatrix ratings, Func<int, int, float> predict)
    {
        double squared = 0;
        int count = 0;
        for (int u = 0; u < ratings.Rows; u++)
        {
            for (int t = 0; t < ratings.RowColumns(u).Length; t++)
            {
                squared += Math.Pow(ratings.RowWeights(u)[t] - predict(u, ratings.RowColumns(u)[t]), 2);
                count++;
            }
        }
        return Math.Sqrt(squared / count);
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += (double)a[i] * b[i];
        return sum;
    }

    private static double Pearson(double[] x, double[] y)
    {
        double meanX = x.Average(), meanY = y.Average();
        double covariance = 0, varianceX = 0, varianceY = 0;
        for (int i = 0; i < x.Length; i++)
        {
            covariance += (x[i] - meanX) * (y[i] - meanY);
            varianceX += (x[i] - meanX) * (x[i] - meanX);
            varianceY += (y[i] - meanY) * (y[i] - meanY);
        }
        return covariance / Math.Sqrt(varianceX * varianceY);
    }
}
