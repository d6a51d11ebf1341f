namespace Personalization.Recommender.Tests;

/// <summary>Deterministic random inputs shared by the tests.</summary>
internal static class TestData
{
    public static float[] GaussianFactors(int rows, int k, int seed, double scale = 1.0)
    {
        var random = new Random(seed);
        var values = new float[rows * k];
        for (int i = 0; i < values.Length; i++)
            values[i] = (float)(scale * Gaussian(random));
        return values;
    }

    public static double Gaussian(Random random)
    {
        double u1 = 1.0 - random.NextDouble();
        double u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>Random sparse entries with roughly a fifth negative weights; duplicates possible.</summary>
    public static MatrixEntry[] RandomEntries(int rows, int columns, int count, int seed)
    {
        var random = new Random(seed);
        var entries = new MatrixEntry[count];
        for (int e = 0; e < count; e++)
        {
            float weight = random.NextDouble() < 0.2 ? -(float)random.Next(1, 3) : (float)random.Next(1, 6);
            entries[e] = new MatrixEntry(random.Next(rows), random.Next(columns), weight);
        }
        return entries;
    }

    public static double[] NaiveGram(float[] factors, int rows, int k)
    {
        var gram = new double[k * k];
        for (int r = 0; r < rows; r++)
            for (int a = 0; a < k; a++)
                for (int b = 0; b < k; b++)
                    gram[a * k + b] += (double)factors[r * k + a] * factors[r * k + b];
        return gram;
    }
}
