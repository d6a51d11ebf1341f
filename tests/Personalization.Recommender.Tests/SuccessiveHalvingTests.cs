using Personalization.Recommender.Tuning;

namespace Personalization.Recommender.Tests;

public class SuccessiveHalvingTests
{
    private static readonly SearchDimension[] Space = [new("regularization", 0.01, 100), new("alpha", 0.1, 100)];

    // A planted optimum at regularization 3, alpha 0.5: the score falls with the squared distance in log space, and a
    // small budget adds a deterministic distortion that fades as the budget grows (early rounds rank roughly right).
    private static double Planted(double[] values, int budget)
    {
        double a = Math.Log10(values[0] / 3), b = Math.Log10(values[1] / 0.5);
        double distortion = Math.Sin(values[0] * 7 + values[1] * 3) * 0.3 / budget;
        return 1 - (a * a + b * b) + distortion;
    }

    [Fact]
    public void The_search_finds_the_planted_optimum_region()
    {
        var result = SuccessiveHalving.Run(Space, Planted, configurations: 81, minBudget: 1, maxBudget: 27, eta: 3, seed: 4);
        Assert.InRange(result.Best["regularization"], 3 / 2.5, 3 * 2.5);
        Assert.InRange(result.Best["alpha"], 0.5 / 2.5, 0.5 * 2.5);
        Assert.Equal(27, result.Budget);
        // 81 at budget 1, 27 at 3, 9 at 9, 3 at 27.
        Assert.Equal([81, 27, 9, 3], result.Trials.GroupBy(t => t.Round).Select(g => g.Count()));
        Assert.Equal([1, 3, 9, 27], result.Trials.GroupBy(t => t.Round).Select(g => g.First().Budget));
        // Better than the best of as many purely random draws at full budget would typically be, and reproducible.
        Assert.True(result.Score > 0.9, $"score {result.Score}");
        Assert.Equal(result.Best, SuccessiveHalving.Run(Space, Planted, 81, 1, 27, 3, seed: 4).Best);
    }

    [Fact]
    public void The_baseline_always_runs_and_survives_when_nothing_beats_it()
    {
        double[] baseline = [3, 0.5];
        var result = SuccessiveHalving.Run(Space, (v, _) => v.SequenceEqual(baseline) ? 1 : 0, configurations: 9, minBudget: 5, maxBudget: 5, seed: 2,
            baseline: baseline);
        Assert.Equal(9, result.Trials.Count); // one round: minBudget = maxBudget is a random search
        Assert.Equal(3, result.Best["regularization"]);
        Assert.Equal(0.5, result.Best["alpha"]);
    }

    [Fact]
    public void Draws_stay_in_their_log_ranges_and_bad_settings_are_refused()
    {
        var random = new Random(1);
        var draws = Enumerable.Range(0, 2000).Select(_ => Space[0].Draw(random)).ToArray();
        Assert.All(draws, d => Assert.InRange(d, 0.01, 100));
        // Log-uniform: about a quarter of the draws in each of the four decades.
        Assert.InRange(draws.Count(d => d < 0.1), 400, 600);
        Assert.InRange(draws.Count(d => d >= 10), 400, 600);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SearchDimension("x", 0, 1).Draw(random));
        Assert.Throws<ArgumentOutOfRangeException>(() => SuccessiveHalving.Run(Space, Planted, 0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SuccessiveHalving.Run(Space, Planted, 5, 3, 2));
        Assert.Throws<ArgumentException>(() => SuccessiveHalving.Run(Space, Planted, 5, 1, 1, baseline: [1.0]));
    }
}
