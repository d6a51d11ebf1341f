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

    /// <summary>
    /// Rows around a few cluster centres, with dimension variances decaying like a trained model's and log-normal row
    /// norms (popular items have long vectors; σ of the log norm <paramref name="normSpread"/>), so scales differ by
    /// orders of magnitude between rows. <paramref name="spread"/> is the noise around a centre.
    /// </summary>
    public static float[] ClusteredFactors(int rows, int k, int clusters, int seed, int firstRow = 0, double spread = 0.3,
        double normSpread = 1.0)
    {
        var centreRandom = new Random(seed);
        var centres = new double[clusters * k];
        for (int i = 0; i < centres.Length; i++)
            centres[i] = Gaussian(centreRandom) / (1 + (i % k) / 8.0);
        var random = new Random(seed * 7919 + firstRow);
        var values = new float[rows * k];
        for (int r = 0; r < rows; r++)
        {
            int c = random.Next(clusters);
            double norm = Math.Exp(normSpread * Gaussian(random)); // log-normal: ~e^±2 in length at 1
            for (int d = 0; d < k; d++)
                values[r * k + d] = (float)(norm * (centres[c * k + d] + spread * Gaussian(random) / (1 + d / 8.0)));
        }
        return values;
    }

    /// <summary>The exact top <paramref name="count"/> rows by dot product (a full float32 scan), minus the excluded rows.</summary>
    public static (int[] Rows, float[] Scores) ExactTopK(float[] factors, int k, float[] user, int count, int[] excluded)
    {
        var all = new float[factors.Length / k];
        Scoring.ScoreAll(factors, k, user, all);
        foreach (int row in excluded)
            all[row] = float.NegativeInfinity;
        var rows = new int[count];
        var scores = new float[count];
        int written = TopK.Select(all, rows, scores);
        return (rows[..written], scores[..written]);
    }
}
