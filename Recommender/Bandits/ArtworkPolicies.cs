using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Bandits;

/// <summary>Uniformly random artwork: the logging policy of the replay method, and the baseline.</summary>
public sealed class UniformArtworkPolicy(ulong seed) : IArtworkPolicy
{
    private SplitMix64 _random = new(seed);

    /// <inheritdoc />
    public string Name => "uniform random";

    /// <inheritdoc />
    public int Choose(int item, ReadOnlySpan<float> context, int variants) => (int)(_random.NextUInt64() % (ulong)variants);

    /// <inheritdoc />
    public void Update(int item, ReadOnlySpan<float> context, int variant, double reward) { }
}

/// <summary>
/// The best single variant per item, learned without context: UCB1 (Auer et al. 2002) over each item's variants. It
/// converges to the variant with the highest average click rate over all users: what a non-personalized A/B test of
/// the artwork would pick.
/// </summary>
public sealed class BestSingleVariantPolicy : IArtworkPolicy
{
    private readonly Dictionary<int, (long[] Pulls, double[] Rewards)> _items = [];

    /// <inheritdoc />
    public string Name => "best single variant (UCB1, no context)";

    /// <inheritdoc />
    public int Choose(int item, ReadOnlySpan<float> context, int variants)
    {
        var (pulls, rewards) = Stats(item, variants);
        long total = 0;
        for (var v = 0; v < variants; v++)
        {
            if (pulls[v] == 0) return v;
            total += pulls[v];
        }
        var best = 0;
        var bestBound = double.NegativeInfinity;
        for (var v = 0; v < variants; v++)
        {
            var bound = rewards[v] / pulls[v] + Math.Sqrt(2 * Math.Log(total) / pulls[v]);
            if (bound > bestBound) { bestBound = bound; best = v; }
        }
        return best;
    }

    /// <inheritdoc />
    public void Update(int item, ReadOnlySpan<float> context, int variant, double reward)
    {
        var (pulls, rewards) = _items[item];
        pulls[variant]++;
        rewards[variant] += reward;
    }

    private (long[] Pulls, double[] Rewards) Stats(int item, int variants)
    {
        if (!_items.TryGetValue(item, out var stats)) _items[item] = stats = (new long[variants], new double[variants]);
        return stats;
    }
}

/// <summary>Disjoint LinUCB per item (arms = the item's variants), as the item grains run it online.</summary>
public sealed class LinUcbArtworkPolicy(int dimensions, double alpha, double regularization = 1.0) : IArtworkPolicy
{
    private readonly Dictionary<int, LinearArm[]> _items = [];

    /// <inheritdoc />
    public string Name => $"LinUCB (α = {alpha})";

    /// <inheritdoc />
    public int Choose(int item, ReadOnlySpan<float> context, int variants) => LinUcb.Choose(Arms(item, variants), context, alpha);

    /// <inheritdoc />
    public void Update(int item, ReadOnlySpan<float> context, int variant, double reward) => _items[item][variant].Update(context, reward);

    private LinearArm[] Arms(int item, int variants)
    {
        if (!_items.TryGetValue(item, out var arms))
            _items[item] = arms = Enumerable.Range(0, variants).Select(_ => new LinearArm(dimensions, regularization)).ToArray();
        return arms;
    }
}

/// <summary>Linear Thompson sampling per item (Agrawal and Goyal 2013): a draw θ̃ ~ N(θ, v²A⁻¹) per arm, the best draw wins.</summary>
public sealed class LinearThompsonArtworkPolicy(int dimensions, double scale, ulong seed, double regularization = 1.0) : IArtworkPolicy
{
    private readonly Dictionary<int, LinearArm[]> _items = [];
    private SplitMix64 _random = new(seed);

    /// <inheritdoc />
    public string Name => $"linear Thompson (v = {scale})";

    /// <inheritdoc />
    public int Choose(int item, ReadOnlySpan<float> context, int variants)
    {
        if (!_items.TryGetValue(item, out var arms))
            _items[item] = arms = Enumerable.Range(0, variants).Select(_ => new LinearArm(dimensions, regularization)).ToArray();
        // θ̃ᵀx ~ N(θᵀx, v²·xᵀA⁻¹x): sampling the scalar score is exact for one context and needs no Cholesky factor.
        var best = 0;
        var bestDraw = double.NegativeInfinity;
        for (var v = 0; v < arms.Length; v++)
        {
            var draw = arms[v].Mean(context) + scale * arms[v].Width(context) * _random.NextGaussian();
            if (draw > bestDraw) { bestDraw = draw; best = v; }
        }
        return best;
    }

    /// <inheritdoc />
    public void Update(int item, ReadOnlySpan<float> context, int variant, double reward) => _items[item][variant].Update(context, reward);
}
