using Personalization.Recommender.Models;

namespace Personalization.Recommender.Tests;

public class PopularityTests
{
    [Fact]
    public void Fit_CountsUsersWithAPositiveValuePerItem()
    {
        // Item 0: users 0, 1, 2 positive → 3. Item 1: user 0 positive, user 1 negative → 1. Item 2: only a negative
        // and an explicit zero → 0. Item 3: users 1 and 3 positive → 2. Item 4: nobody → 0.
        var matrix = InteractionMatrix.FromEntries(4, 5,
        [
            new(0, 0, 1), new(0, 1, 5), new(1, 0, 0.5f), new(1, 1, -2), new(1, 3, 3),
            new(2, 0, 4), new(2, 2, -1), new(3, 2, 0), new(3, 3, 1),
        ]);

        PopularityModel model = new PopularityTrainer().Fit(matrix);

        Assert.Equal("popularity", model.Name);
        Assert.Equal(5, model.Items);
        Assert.Equal([3f, 1f, 0f, 2f, 0f], model.Counts.ToArray());
        Assert.Empty(model.Parameters);
    }

    [Fact]
    public void Score_IsTheSameForEveryUserAndRanksTiesByIndex()
    {
        var matrix = InteractionMatrix.FromEntries(3, 4,
            [new(0, 1, 1), new(1, 1, 1), new(0, 3, 1), new(2, 2, 1), new(1, 0, 1)]);
        IRecommenderModel model = new PopularityTrainer().Fit(matrix);

        var anonymous = new float[4];
        var someone = new float[4];
        model.Score([], [], anonymous);
        model.Score([0, 2], [1, -1], someone);

        Assert.Equal([1f, 2f, 1f, 1f], anonymous);
        Assert.Equal(anonymous, someone);
        var top = new int[4];
        Assert.Equal(4, TopK.Select(anonymous, top, new float[4]));
        Assert.Equal([1, 0, 2, 3], top);
    }

    [Fact]
    public void Fit_ReportsOneStep()
    {
        var reports = new List<TrainingProgress>();
        new PopularityTrainer().Fit(InteractionMatrix.FromEntries(1, 1, [new(0, 0, 1)]), new SynchronousProgress<TrainingProgress>(reports.Add));

        TrainingProgress report = Assert.Single(reports);
        Assert.Equal(("popularity", 1, 1), (report.Model, report.Step, report.Steps));
    }

    [Fact]
    public void Score_ValidatesItsArguments()
    {
        IRecommenderModel model = new PopularityTrainer().Fit(InteractionMatrix.FromEntries(1, 3, [new(0, 0, 1)]));

        Assert.Throws<ArgumentException>("scores", () => model.Score([], [], new float[2]));
        Assert.Throws<ArgumentException>("values", () => model.Score([0], [], new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>("items", () => model.Score([3], [1], new float[3]));
    }
}
