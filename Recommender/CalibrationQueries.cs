using System.Buffers;

namespace Personalization.Recommender;

/// <summary>
/// Sample user vectors for measuring an approximate index when the model keeps no user factors: the fold-in of sampled
/// histories, which is how the serving side makes a user's vector from their events.
/// </summary>
public static class CalibrationQueries
{
    /// <summary>
    /// <paramref name="count"/> user vectors, row-major: each the implicit-ALS fold-in (<see cref="FoldIn"/>) of a history
    /// of 1 to <paramref name="maxHistory"/> distinct items drawn in proportion to popularity + 1, each with weight 1.
    /// </summary>
    /// <param name="itemFactors">Row-major item factors.</param>
    /// <param name="k">Factors per item.</param>
    /// <param name="gram">YᵀY of the model's items (row-major k×k).</param>
    /// <param name="modelItems">Rows [0, modelItems) are the model's items, drawn from; the Gram matrix is theirs.</param>
    /// <param name="popularity">Popularity of each of the model's items, non-negative.</param>
    /// <param name="alpha">Confidence scale α of the fold-in.</param>
    /// <param name="regularization">λ of the fold-in.</param>
    /// <param name="count">Vectors to make.</param>
    /// <param name="maxHistory">Largest history drawn (log-uniform from 1).</param>
    /// <param name="seed">Seed of the draws: the same inputs give the same vectors.</param>
    public static float[] FromSampledHistories(ReadOnlySpan<float> itemFactors, int k, ReadOnlySpan<double> gram, int modelItems,
        ReadOnlySpan<float> popularity, float alpha, float regularization, int count, int maxHistory = 40, int seed = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(modelItems, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxHistory, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (popularity.Length < modelItems)
            throw new ArgumentException($"Need a popularity for each of the {modelItems} items, got {popularity.Length}.", nameof(popularity));
        // Cumulative popularity + 1, so the long tail is drawn too, and a model without counts draws uniformly.
        var cumulative = new double[modelItems];
        double total = 0;
        for (int i = 0; i < modelItems; i++) cumulative[i] = total += Math.Max(0f, popularity[i]) + 1.0;

        var random = new Random(seed);
        var queries = new float[count * k];
        int longest = Math.Min(maxHistory, modelItems);
        var items = ArrayPool<int>.Shared.Rent(longest);
        var weights = ArrayPool<float>.Shared.Rent(longest);
        try
        {
            weights.AsSpan(0, longest).Fill(1f);
            for (int q = 0; q < count; q++)
            {
                int length = Math.Min(longest, (int)Math.Round(Math.Exp(random.NextDouble() * Math.Log(longest))));
                int drawn = 0;
                for (int attempt = 0; drawn < length && attempt < 20 * length; attempt++)
                {
                    int index = Array.BinarySearch(cumulative, random.NextDouble() * total);
                    int item = index >= 0 ? index : Math.Min(~index, modelItems - 1);
                    if (items.AsSpan(0, drawn).Contains(item)) continue;
                    items[drawn++] = item;
                }
                Array.Sort(items, 0, drawn);
                FoldIn.Solve(itemFactors, k, gram, items.AsSpan(0, drawn), weights.AsSpan(0, drawn), alpha, regularization,
                    queries.AsSpan(q * k, k));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(items);
            ArrayPool<float>.Shared.Return(weights);
        }
        return queries;
    }
}
