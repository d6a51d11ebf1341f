using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Bandits;

/// <summary>
/// A small world with known artwork preferences, for measuring bandits offline: users fall in segments, each with a
/// dominant genre (their context) and a preferred artwork style; every item has one variant of each style in a random
/// order. The click probability of showing item i with variant v to a user of segment s is
/// base_i · (1 + 1.2·[style(i, v) = preferred(s)] + 0.3·[style(i, v) = 0]): style 0 appeals a little to everyone (so a
/// single best variant exists), the preferred style a lot to its segment (so personalizing pays).
/// </summary>
public sealed class ArtworkSimulator
{
    private readonly int[][] _styles;
    private readonly double[] _base;

    /// <summary>Builds the world for a seed.</summary>
    /// <param name="segments">User segments (and genres), at least 1.</param>
    /// <param name="items">Items, at least 1.</param>
    /// <param name="variants">Variants per item (and styles), at least 2.</param>
    /// <param name="seed">Seed of every random choice.</param>
    public ArtworkSimulator(int segments, int items, int variants, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(variants, 2);
        Segments = segments;
        Items = items;
        Variants = variants;
        Seed = seed;
        var random = new SplitMix64(SplitMix64.Mix(seed, 1));
        _base = new double[items];
        _styles = new int[items][];
        for (var i = 0; i < items; i++)
        {
            _base[i] = 0.02 + 0.08 * Uniform(ref random);
            var styles = Enumerable.Range(0, variants).ToArray();
            for (var k = variants - 1; k > 0; k--)
            {
                var j = (int)(random.NextUInt64() % (ulong)(k + 1));
                (styles[k], styles[j]) = (styles[j], styles[k]);
            }
            _styles[i] = styles;
        }
    }

    /// <summary>Number of segments (= genres of the context).</summary>
    public int Segments { get; }

    /// <summary>Number of items.</summary>
    public int Items { get; }

    /// <summary>Variants per item.</summary>
    public int Variants { get; }

    /// <summary>The world's seed.</summary>
    public ulong Seed { get; }

    /// <summary>Context length: <see cref="ArtworkContext.DimensionsFor"/> of the segments.</summary>
    public int Dimensions => ArtworkContext.DimensionsFor(Segments);

    /// <summary>The style a segment prefers.</summary>
    public int PreferredStyle(int segment) => (segment * 7 + 1) % Variants;

    /// <summary>The style of an item's variant.</summary>
    public int StyleOf(int item, int variant) => _styles[item][variant];

    /// <summary>The click probability of showing <paramref name="variant"/> of <paramref name="item"/> to a user of <paramref name="segment"/>.</summary>
    public double ClickProbability(int segment, int item, int variant)
    {
        var style = _styles[item][variant];
        var multiplier = 1 + (style == PreferredStyle(segment) ? 1.2 : 0) + (style == 0 ? 0.3 : 0);
        return Math.Min(0.95, _base[item] * multiplier);
    }

    /// <summary>The best click probability for a segment and item (the oracle).</summary>
    public double BestProbability(int segment, int item)
    {
        var best = 0.0;
        for (var v = 0; v < Variants; v++) best = Math.Max(best, ClickProbability(segment, item, v));
        return best;
    }

    /// <summary>
    /// One request: a user of a random segment (their genre affinity mostly on the segment's genre, some on one or
    /// two others), a random item; the user's context is written to <paramref name="context"/>.
    /// </summary>
    public (int Segment, int Item) Draw(ref SplitMix64Source random, Span<float> context)
    {
        var segment = random.Next(Segments);
        var item = random.Next(Items);
        Span<double> affinity = stackalloc double[Segments];
        affinity.Clear();
        affinity[segment] = 3 + 2 * random.NextDouble();
        for (var extra = random.Next(3); extra > 0; extra--) affinity[random.Next(Segments)] += random.NextDouble();
        ArtworkContext.FromGenreAffinity(affinity, context);
        return (segment, item);
    }

    /// <summary>A log collected with uniformly random artwork: the input of the replay method.</summary>
    /// <param name="events">Logged impressions.</param>
    /// <param name="seed">Seed of users, items, choices and clicks.</param>
    public IReadOnlyList<LoggedImpression> LogUniform(int events, ulong seed)
    {
        var random = new SplitMix64Source(seed);
        var log = new List<LoggedImpression>(events);
        for (var n = 0; n < events; n++)
        {
            var context = new float[Dimensions];
            var (segment, item) = Draw(ref random, context);
            var variant = random.Next(Variants);
            var click = random.NextDouble() < ClickProbability(segment, item, variant);
            log.Add(new LoggedImpression(context, segment, item, variant, click));
        }
        return log;
    }

    /// <summary>
    /// Runs a policy online for <paramref name="rounds"/> rounds: it chooses, the world clicks or not, it learns.
    /// Returns the cumulative expected regret against the per-context best variant after each of the checkpoints.
    /// </summary>
    public OnlineRun RunOnline(IArtworkPolicy policy, int rounds, ulong seed)
    {
        var random = new SplitMix64Source(seed);
        Span<float> context = stackalloc float[Dimensions];
        double regret = 0, expected = 0;
        long clicks = 0;
        for (var t = 0; t < rounds; t++)
        {
            var (segment, item) = Draw(ref random, context);
            var variant = policy.Choose(item, context, Variants);
            var p = ClickProbability(segment, item, variant);
            expected += p;
            regret += BestProbability(segment, item) - p;
            var click = random.NextDouble() < p;
            if (click) clicks++;
            policy.Update(item, context, variant, click ? 1 : 0);
        }
        return new OnlineRun(policy.Name, rounds, regret, expected / rounds, clicks);
    }

    private static double Uniform(ref SplitMix64 random) => (random.NextUInt64() >> 11) * (1.0 / (1UL << 53));
}

/// <summary>One logged impression.</summary>
/// <param name="Context">The user's features.</param>
/// <param name="Segment">The user's segment (known to the simulator only).</param>
/// <param name="Item">The item.</param>
/// <param name="Variant">The variant shown (uniformly at random).</param>
/// <param name="Click">Whether the user clicked.</param>
public sealed record LoggedImpression(float[] Context, int Segment, int Item, int Variant, bool Click);

/// <summary>The outcome of an online run.</summary>
/// <param name="Policy">Policy name.</param>
/// <param name="Rounds">Rounds played.</param>
/// <param name="CumulativeRegret">Σ (best click probability − chosen click probability).</param>
/// <param name="ExpectedCtr">Mean click probability of the chosen variants.</param>
/// <param name="Clicks">Clicks drawn.</param>
public sealed record OnlineRun(string Policy, int Rounds, double CumulativeRegret, double ExpectedCtr, long Clicks);

/// <summary>A seeded source of uniform draws for the simulator (SplitMix64 underneath).</summary>
public struct SplitMix64Source(ulong seed)
{
    private SplitMix64 _random = new(seed);

    /// <summary>Uniform integer in [0, n).</summary>
    public int Next(int n) => (int)(_random.NextUInt64() % (ulong)n);

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (_random.NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
