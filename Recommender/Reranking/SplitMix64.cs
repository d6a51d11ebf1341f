namespace Personalization.Recommender.Reranking;

/// <summary>
/// SplitMix64 (Steele, Lea and Flood 2014): a tiny, allocation-free generator whose sequence is fixed by this code, so
/// an exploration draw is the same for a seed on every runtime version and machine (System.Random's seeded sequence
/// is not a documented contract, and constructing one allocates).
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>Mixes two values into one seed, e.g. a base seed and a user index, or a user id and a time bucket.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var generator = new SplitMix64(a ^ (b * 0x9E3779B97F4A7C15UL));
        generator.NextUInt64();
        return generator.NextUInt64();
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1]: never 0, so its logarithm is finite.</summary>
    public double NextOpenClosed() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>A standard normal draw: the first of a Box–Muller pair (the other is dropped for simplicity).</summary>
    public double NextGaussian() => NextGaussianPair().First;

    /// <summary>
    /// Two independent standard normal draws by the Box–Muller transform: one logarithm, one square root and one sine
    /// and cosine for both, which is most of a draw's cost.
    /// </summary>
    public (double First, double Second) NextGaussianPair()
    {
        double radius = Math.Sqrt(-2 * Math.Log(NextOpenClosed()));
        var (sin, cos) = Math.SinCos(2 * Math.PI * NextOpenClosed());
        return (radius * cos, radius * sin);
    }
}
