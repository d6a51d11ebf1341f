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

    /// <summary>
    /// Row-major rows×k factors shaped like a trained model's: rows gather around <paramref name="clusters"/> centres,
    /// dimension variances decay (dimension d scaled by 1 / (1 + d/8)), and row norms are log-normal (popular items have
    /// long vectors), so rows' scales differ by orders of magnitude. Rows <paramref name="firstRow"/>… of the same
    /// <paramref name="seed"/> share the centres, so users drawn this way sit near the items. A small
    /// <paramref name="spread"/> (noise around a centre, relative to the centres' unit scale) makes near-duplicates; a
    /// <paramref name="normSpread"/> of 0 (σ of the log norm) gives every row a similar length.
    /// </summary>
    public static float[] ClusteredFactors(int rows, int k, int clusters, int seed, int firstRow = 0, double spread = 0.3, double normSpread = 1.0)
    {
        var centreRandom = new Random(seed);
        var centres = new double[clusters * k];
        for (int i = 0; i < centres.Length; i++)
            centres[i] = Gaussian(centreRandom) / (1 + (i % k) / 8.0);
        var random = new Random(seed * 7919 + firstRow);
        var factors = new float[(long)rows * k];
        for (long r = 0; r < rows; r++)
        {
            int c = random.Next(clusters);
            double norm = Math.Exp(normSpread * Gaussian(random));
            for (int d = 0; d < k; d++)
                factors[r * k + d] = (float)(0.1 * norm * (centres[c * k + d] + spread * Gaussian(random) / (1 + d / 8.0)));
        }
        return factors;
    }

    private static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
