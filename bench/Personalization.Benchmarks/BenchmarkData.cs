namespace Personalization.Benchmarks;

/// <summary>Deterministic synthetic inputs shared by the kernel benchmarks.</summary>
public static class BenchmarkData
{
    /// <summary>Row-major rows×k float32 factors drawn from N(0, <paramref name="sigma"/>²).</summary>
    public static float[] RandomFactors(int rows, int k, double sigma, int seed)
    {
        var random = new Random(seed);
        var factors = new float[(long)rows * k];
        for (long i = 0; i < factors.Length; i += 2)
        {
            // Box–Muller: two independent standard normals per pair of uniforms.
            double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1)) * sigma;
            factors[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < factors.Length)
                factors[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
        }
        return factors;
    }

    /// <summary><paramref name="count"/> distinct rows of [0, <paramref name="rows"/>) in random order.</summary>
    public static int[] DistinctRows(int rows, int count, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, rows);
        var random = new Random(seed);
        var all = Enumerable.Range(0, rows).ToArray();
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, rows);
            (all[i], all[j]) = (all[j], all[i]);
        }
        return all[..count];
    }
}
