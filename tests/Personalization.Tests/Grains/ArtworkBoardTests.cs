using Microsoft.Extensions.Options;
using Personalization.Grains.Artwork;
using Personalization.Recommender.Bandits;
using Personalization.Storage;

namespace Personalization.Tests.Grains;

public sealed class ArtworkBoardTests
{
    private static readonly ArtworkVariant[] Variants = [new("a", []), new("b", []), new("c", [])];

    private static ArtworkBoard Board(double alpha = 0.5) => new(Options.Create(new ArtworkOptions { Alpha = alpha }));

    [Fact]
    public void Untried_variants_are_spread_over_users_by_their_seed()
    {
        var board = Board();
        float[] context = [1, 0, 1];
        var chosen = Enumerable.Range(0, 300).Select(seed => board.Choose("item", Variants, context, (ulong)seed)).ToList();
        foreach (var id in new[] { "a", "b", "c" }) Assert.InRange(chosen.Count(c => c == id), 80, 120);
    }

    [Fact]
    public void A_learned_policy_shows_each_context_the_variant_it_clicks()
    {
        var board = Board();
        float[] horror = [1, 1, 0], comedy = [1, 0, 1];
        var arms = Variants.ToDictionary(v => v.Id, _ => new LinearArm(3));
        for (var n = 0; n < 30; n++)
        {
            foreach (var (id, arm) in arms)
            {
                arm.Update(horror, id == "a" ? 1 : 0);
                arm.Update(comedy, id == "b" ? 1 : 0);
            }
        }
        board.Apply(new ArtworkPolicy("item", 1, arms));
        for (ulong seed = 0; seed < 10; seed++)
        {
            Assert.Equal("a", board.Choose("item", Variants, horror, seed));
            Assert.Equal("b", board.Choose("item", Variants, comedy, seed));
        }
        // A variant the policy has never seen has the prior's width; with a large α it is tried first.
        var explorer = Board(alpha: 10);
        explorer.Apply(new ArtworkPolicy("item", 1, arms.Where(a => a.Key != "c").ToDictionary(a => a.Key, a => a.Value)));
        Assert.Equal("c", explorer.Choose("item", Variants, horror, 0));
    }

    [Fact]
    public void An_older_policy_never_replaces_a_newer_one_and_changes_are_taken_once()
    {
        var board = Board();
        board.Report(new ArtworkPolicy("item", 5, new Dictionary<string, LinearArm>()));
        board.Apply(new ArtworkPolicy("item", 3, new Dictionary<string, LinearArm>()));
        Assert.Equal(5, board.Find("item")!.Version);
        Assert.Single(board.TakeChanged());
        Assert.Empty(board.TakeChanged());
    }
}
