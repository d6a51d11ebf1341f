using Personalization.Recommender.Bandits;

namespace Personalization.Recommender.Tests.Bandits;

public sealed class ArtworkBanditTests
{
    [Theory]
    [InlineData(1UL)]
    [InlineData(2UL)]
    [InlineData(3UL)]
    public void LinUcb_regret_falls_below_uniform_and_the_best_single_variant_and_below_half_of_uniform_by_60000_rounds(ulong seed)
    {
        // 10 items × 4 segments × 4 variants with click rates of 2–13%: each (item, segment) needs a few hundred
        // impressions before a 7-point difference between variants shows.
        var world = new ArtworkSimulator(segments: 4, items: 10, variants: 4, seed);
        var uniform = world.RunOnline(new UniformArtworkPolicy(seed), 20_000, seed);
        var linUcb = world.RunOnline(new LinUcbArtworkPolicy(world.Dimensions, alpha: 0.5), 20_000, seed);
        var single = world.RunOnline(new BestSingleVariantPolicy(), 20_000, seed);
        Assert.True(linUcb.CumulativeRegret < uniform.CumulativeRegret,
            $"LinUCB regret {linUcb.CumulativeRegret:F1} vs uniform {uniform.CumulativeRegret:F1} after 20,000 rounds");
        Assert.True(linUcb.CumulativeRegret < single.CumulativeRegret,
            $"LinUCB regret {linUcb.CumulativeRegret:F1} vs best single variant {single.CumulativeRegret:F1}");
        Assert.True(linUcb.ExpectedCtr > uniform.ExpectedCtr);

        var uniformLong = world.RunOnline(new UniformArtworkPolicy(seed), 60_000, seed);
        var linUcbLong = world.RunOnline(new LinUcbArtworkPolicy(world.Dimensions, alpha: 0.5), 60_000, seed);
        Assert.True(linUcbLong.CumulativeRegret < uniformLong.CumulativeRegret / 2,
            $"LinUCB regret {linUcbLong.CumulativeRegret:F1} vs uniform {uniformLong.CumulativeRegret:F1} after 60,000 rounds");
    }

    [Fact]
    public void Regret_per_round_falls_as_the_bandit_learns()
    {
        var world = new ArtworkSimulator(segments: 4, items: 10, variants: 4, seed: 9);
        var early = world.RunOnline(new LinUcbArtworkPolicy(world.Dimensions, 0.5), 2_000, 9).CumulativeRegret / 2_000;
        var late = world.RunOnline(new LinUcbArtworkPolicy(world.Dimensions, 0.5), 40_000, 9).CumulativeRegret / 40_000;
        Assert.True(late < early / 2, $"regret per round {late:F4} after 40,000 rounds vs {early:F4} after 2,000");
    }

    [Fact]
    public void Replay_of_uniform_estimates_the_true_uniform_ctr_and_matches_a_quarter_of_the_log()
    {
        var world = new ArtworkSimulator(segments: 4, items: 20, variants: 4, seed: 5);
        var log = world.LogUniform(200_000, seed: 6);
        var replay = ReplayEvaluator.Replay(new UniformArtworkPolicy(7), log, world.Variants, world);
        Assert.InRange(replay.Matched, 48_500, 51_500); // ~N/V
        // The true CTR of uniform artwork, averaged over the same draws of users and items.
        var truth = log.Average(r => Enumerable.Range(0, world.Variants).Average(v => world.ClickProbability(r.Segment, r.Item, v)));
        Assert.InRange(replay.Ctr, truth - 0.004, truth + 0.004);
    }

    [Fact]
    public void Replay_ranks_the_contextual_bandit_above_the_best_single_variant_and_uniform_and_is_deterministic()
    {
        var world = new ArtworkSimulator(segments: 4, items: 20, variants: 4, seed: 11);
        var log = world.LogUniform(200_000, seed: 12);
        var uniform = ReplayEvaluator.Replay(new UniformArtworkPolicy(1), log, world.Variants, world);
        var single = ReplayEvaluator.Replay(new BestSingleVariantPolicy(), log, world.Variants, world);
        var linUcb = ReplayEvaluator.Replay(new LinUcbArtworkPolicy(world.Dimensions, 0.5), log, world.Variants, world);
        var thompson = ReplayEvaluator.Replay(new LinearThompsonArtworkPolicy(world.Dimensions, 0.3, 2), log, world.Variants, world);
        Assert.True(linUcb.Ctr > single.Ctr && single.Ctr > uniform.Ctr, $"LinUCB {linUcb.Ctr:F4}, single {single.Ctr:F4}, uniform {uniform.Ctr:F4}");
        Assert.True(thompson.Ctr > single.Ctr, $"Thompson {thompson.Ctr:F4}, single {single.Ctr:F4}");
        // The replayed CTR agrees with the true click probability of what was matched.
        Assert.InRange(linUcb.Ctr, linUcb.TrueCtr - 0.006, linUcb.TrueCtr + 0.006);
        Assert.Equal(linUcb, ReplayEvaluator.Replay(new LinUcbArtworkPolicy(world.Dimensions, 0.5), log, world.Variants, world));
        Assert.Equal(thompson, ReplayEvaluator.Replay(new LinearThompsonArtworkPolicy(world.Dimensions, 0.3, 2), log, world.Variants, world));
    }
}
