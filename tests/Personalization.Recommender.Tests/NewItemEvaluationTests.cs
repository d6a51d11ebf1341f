using Personalization.Recommender.Evaluation;

namespace Personalization.Recommender.Tests;

public class NewItemEvaluationTests
{
    // Three tastes of 100 users over 3 × 40 items; the last 5 items of each taste come out late and are watched, in
    // time, by 60 users of their taste. Features name the taste, so the content mapping knows where a new item belongs.
    private static (InteractionMatrix Matrix, long[] Times, IReadOnlyList<string>[] Features) Planted()
    {
        const int users = 300, perTaste = 40, items = 3 * perTaste;
        var random = new Random(5);
        var entries = new List<(int User, int Item, long Time)>();
        for (int u = 0; u < users; u++)
        {
            int taste = u % 3;
            foreach (int j in Enumerable.Range(0, perTaste - 5).OrderBy(_ => random.Next()).Take(12))
                entries.Add((u, taste * perTaste + j, 1_000 + random.Next(1_000)));
        }
        for (int taste = 0; taste < 3; taste++)
            for (int j = perTaste - 5; j < perTaste; j++)
            {
                var viewers = Enumerable.Range(0, users / 3).Select(v => v * 3 + taste).OrderBy(_ => random.Next()).Take(60).ToList();
                for (int v = 0; v < viewers.Count; v++) entries.Add((viewers[v], taste * perTaste + j, 10_000 + 100L * j + v));
            }
        var ordered = entries.OrderBy(e => e.User).ThenBy(e => e.Item).ToList();
        var matrix = InteractionMatrix.FromEntries(users, items, ordered.Select(e => new MatrixEntry(e.User, e.Item, 1f)).ToArray());
        var times = ordered.Select(e => e.Time).ToArray();
        var features = Enumerable.Range(0, items).Select(i => (IReadOnlyList<string>)[$"genre:taste{i / perTaste}"]).ToArray();
        return (matrix, times, features);
    }

    [Fact]
    public void Live_fold_in_learns_a_new_items_audience_from_its_first_viewers()
    {
        var (matrix, times, features) = Planted();
        var als = new AlsOptions { Factors = 8, Iterations = 10, Regularization = 1f, Alpha = 10f, Threads = 1, Seed = 3 };
        var steps = NewItemEvaluation.Evaluate(matrix, times, features, als, new ContentMappingOptions(),
            new NewItemOptions { HeldOutFraction = 0.125, Steps = [0, 5, 20], K = 10 });

        Assert.Equal([0, 5, 20], steps.Select(s => s.Interactions));
        // The 15 late items are the newest eighth of those with more than 20 interactions, each judged by its 40 later viewers.
        Assert.All(steps, s => Assert.Equal(15, s.Items));
        Assert.Equal(15 * 40, steps[^1].LaterViewers);
        Assert.Null(steps[0].Retrain);
        // The item's own viewers pull it into their taste's top 10; the content vector, a guess for all of the taste
        // alike, does so less. A retrain on the same 20 viewers is the reference the issue set: live closes at least 70%
        // of the gap to it (here it passes it: the retrain judges the item by the users it has not reached yet).
        var twenty = steps[^1];
        Assert.True(twenty.Live > 0.5, $"live recall {twenty.Live}");
        Assert.True(twenty.Live > twenty.Content, $"live {twenty.Live} against content {twenty.Content}");
        Assert.True(twenty.GapClosed >= 0.7, $"content {twenty.Content}, live {twenty.Live}, retrain {twenty.Retrain}");
        Assert.True(steps[1].Live <= twenty.Live + 1e-9);
        // Deterministic for the same data and settings.
        Assert.Equal(steps, NewItemEvaluation.Evaluate(matrix, times, features, als, new ContentMappingOptions(),
            new NewItemOptions { HeldOutFraction = 0.125, Steps = [0, 5, 20], K = 10 }));
    }
}
