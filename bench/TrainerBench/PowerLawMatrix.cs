using Personalization.Recommender;

namespace Personalization.TrainerBench;

/// <summary>
/// A synthetic implicit-feedback matrix shaped like real catalogs: item popularity follows a Zipf law and users'
/// history lengths vary, so row lengths are as skewed as in production data (which is what stresses load balance).
/// </summary>
public static class PowerLawMatrix
{
    /// <summary>Generates exactly <paramref name="interactions"/> distinct (user, item) pairs with weights 1–5.</summary>
    /// <param name="users">Rows.</param>
    /// <param name="items">Columns.</param>
    /// <param name="interactions">Distinct stored entries.</param>
    /// <param name="exponent">Zipf exponent of item popularity (1 ≈ classic long tail).</param>
    /// <param name="seed">Random seed; the same seed gives the same matrix.</param>
    public static InteractionMatrix Generate(int users, int items, int interactions, double exponent, int seed)
    {
        var random = new Random(seed);
        // Cumulative Zipf weights over a shuffled item order, so popular items are not all at low indices.
        var order = Enumerable.Range(0, items).ToArray();
        random.Shuffle(order);
        var cumulative = new double[items];
        double total = 0;
        for (int rank = 0; rank < items; rank++)
            cumulative[rank] = total += 1.0 / Math.Pow(rank + 1, exponent);

        // History lengths: log-normal-ish spread around the mean, at least 1, scaled to the exact total.
        var lengths = new double[users];
        double sum = 0;
        for (int u = 0; u < users; u++)
            sum += lengths[u] = Math.Exp(0.8 * Gaussian(random));
        var counts = new int[users];
        long assigned = 0;
        for (int u = 0; u < users; u++)
            assigned += counts[u] = Math.Clamp((int)Math.Round(lengths[u] / sum * interactions), 1, items / 2);
        for (int u = 0; assigned != interactions; u = (u + 1) % users)
        {
            int delta = assigned < interactions ? 1 : -1;
            if (counts[u] + delta < 1 || counts[u] + delta > items / 2)
                continue;
            counts[u] += delta;
            assigned += delta;
        }

        var entries = new MatrixEntry[interactions];
        var seen = new HashSet<int>();
        int e = 0;
        for (int u = 0; u < users; u++)
        {
            seen.Clear();
            while (seen.Count < counts[u])
            {
                int rank = Array.BinarySearch(cumulative, random.NextDouble() * total);
                int item = order[rank < 0 ? Math.Min(~rank, items - 1) : rank];
                if (seen.Add(item))
                    entries[e++] = new MatrixEntry(u, item, random.Next(1, 6));
            }
        }
        return InteractionMatrix.FromEntries(users, items, entries);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2.0 * Math.Log(1.0 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
