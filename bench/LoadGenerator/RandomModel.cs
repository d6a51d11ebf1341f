using Personalization.Recommender;

namespace Personalization.LoadGenerator;

/// <summary>
/// A factor model of random item factors for catalog sizes whose ALS training would take longer than the run it
/// serves (a million items): serving costs the same whatever the factors' values, since every request scores the
/// whole catalog.
/// </summary>
public static class RandomModel
{
    /// <summary>Zipf exponent of the popularity law (the synthetic data set's default).</summary>
    public const double PopularityExponent = 0.9;

    /// <summary>Popularity of the most popular item (interactions); the item at rank r gets this / r^0.9.</summary>
    public const double TopPopularity = 20_000;

    /// <summary>
    /// Item ids <c>i1</c>..<c>iN</c> (those of the synthetic catalog), Gaussian factors N(0, 1/k) so a vector's
    /// expected norm is 1, popularity from a Zipf law over a random permutation of items (so the popular ones are
    /// spread over the catalog, like the synthetic history's), and the exact Gram matrix of the factors.
    /// </summary>
    /// <param name="version">Model version.</param>
    /// <param name="items">Catalog size.</param>
    /// <param name="factors">Factors k.</param>
    /// <param name="alpha">Confidence scale the user grains fold in with.</param>
    /// <param name="regularization">λ the user grains fold in with.</param>
    /// <param name="seed">Random seed.</param>
    public static FactorModel Create(long version, int items, int factors, float alpha, float regularization, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if ((long)items * factors > Array.MaxLength) throw new ArgumentOutOfRangeException(nameof(items), $"{items}×{factors} factors do not fit one array.");
        var random = new Random(seed);
        var ids = new string[items];
        for (var i = 0; i < items; i++) ids[i] = $"i{i + 1}";

        var y = new float[items * factors];
        var scale = 1 / Math.Sqrt(factors);
        for (var j = 0; j < y.Length; j += 2)
        {
            // Box–Muller: two independent normals per pair of uniforms.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1)) * scale;
            y[j] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (j + 1 < y.Length) y[j + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        var gram = GramMatrix.Compute(y, items, factors, Environment.ProcessorCount);

        var permutation = new int[items];
        for (var i = 0; i < items; i++) permutation[i] = i;
        random.Shuffle(permutation);
        var popularity = new float[items];
        for (var rank = 0; rank < items; rank++) popularity[permutation[rank]] = (float)(TopPopularity / Math.Pow(rank + 1, PopularityExponent));

        var now = DateTimeOffset.UtcNow;
        return new FactorModel(version, now, now, factors, alpha, regularization, ids, y, gram, popularity,
            new Dictionary<string, double> { ["randomFactors"] = 1 });
    }
}
