using Personalization.Trainer.Datasets;

namespace Personalization.Tests.Trainer;

public sealed class SyntheticDatasetTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly SyntheticOptions Small = new() { Users = 300, Items = 2000, MeanInteractionsPerUser = 30 };

    [Fact]
    public void Same_seed_same_data()
    {
        var a = SyntheticDataset.Generate(Small, Now);
        var b = SyntheticDataset.Generate(Small, Now);
        Assert.Equal(a.Interactions, b.Interactions);
        Assert.Equal(a.Items.Select(i => (i.ItemId, i.Title, string.Join('|', i.Genres))), b.Items.Select(i => (i.ItemId, i.Title, string.Join('|', i.Genres))));
    }

    [Fact]
    public void Popularity_is_long_tailed_and_users_have_tastes()
    {
        var data = SyntheticDataset.Generate(Small, Now);
        var counts = data.Interactions.GroupBy(i => i.ItemId).Select(g => g.Count()).OrderDescending().ToList();
        var head = counts.Take(counts.Count / 10).Sum();
        Assert.True(head > 0.3 * counts.Sum(), $"the top 10% of items should take a large share of plays, took {head}/{counts.Sum()}");

        var genres = data.Items.ToDictionary(i => i.ItemId, i => i.Genres);
        var concentrated = data.Interactions.GroupBy(i => i.UserId).Count(user =>
        {
            var top = user.SelectMany(i => genres[i.ItemId]).GroupBy(g => g).Max(g => g.Count());
            return top >= 0.4 * user.Count();
        });
        Assert.True(concentrated > 0.8 * Small.Users, $"most users concentrate on a genre; {concentrated} of {Small.Users} do");
    }
}
