using System.Numerics.Tensors;

namespace Personalization.Recommender.Evaluation;

/// <summary>
/// Offline accuracy metrics as pure functions over one user's ranking and relevant set, plus aggregate, rating and
/// beyond-accuracy (diversity, novelty) metrics. Ranks are one-based in the formulas.
/// </summary>
/// <remarks>
/// Recall is normalized by min(K, |relevant|) rather than |relevant| (Liang et al. 2018), so a perfect top-K list
/// scores 1 even when the user has more relevant items than K slots. Every per-user metric is 0 for an empty
/// relevant set, where it is undefined; evaluators skip such users rather than average those zeros in.
/// </remarks>
public static class RankingMetrics
{
    /// <summary>All per-user ranking metrics at once, in one pass over the first K ranked items.</summary>
    /// <param name="ranking">Recommended items, best first, distinct; only the first <paramref name="k"/> count, and a
    /// shorter list simply has fewer chances to hit.</param>
    /// <param name="relevant">The user's relevant items, strictly ascending (looked up by binary search).</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>The metrics; all zero when <paramref name="relevant"/> is empty.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> is less than 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="relevant"/> is not strictly ascending.</exception>
    public static RankingScores Compute(ReadOnlySpan<int> ranking, ReadOnlySpan<int> relevant, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        for (int i = 1; i < relevant.Length; i++)
        {
            if (relevant[i] <= relevant[i - 1])
                throw new ArgumentException($"Relevant items must be strictly ascending (position {i}).", nameof(relevant));
        }

        int ideal = Math.Min(k, relevant.Length);
        if (ideal == 0)
            return default;

        int depth = Math.Min(k, ranking.Length);
        int hits = 0;
        double dcg = 0, precisionSum = 0;
        for (int r = 0; r < depth; r++)
        {
            if (relevant.BinarySearch(ranking[r]) < 0)
                continue;
            hits++;
            dcg += Discount(r);
            precisionSum += (double)hits / (r + 1);
        }

        return new RankingScores(hits, (double)hits / ideal, (double)hits / k, dcg / IdealDcg(ideal), precisionSum / ideal);
    }

    /// <summary>Recall@K = hits in the first K / min(K, |relevant|).</summary>
    /// <param name="ranking">Recommended items, best first, distinct.</param>
    /// <param name="relevant">Relevant items, strictly ascending.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>A value in [0, 1]; 0 when nothing is relevant.</returns>
    public static double Recall(ReadOnlySpan<int> ranking, ReadOnlySpan<int> relevant, int k) =>
        Compute(ranking, relevant, k).Recall;

    /// <summary>Precision@K = hits in the first K / K (a list shorter than K is not rewarded for being short).</summary>
    /// <param name="ranking">Recommended items, best first, distinct.</param>
    /// <param name="relevant">Relevant items, strictly ascending.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>A value in [0, 1]; 0 when nothing is relevant.</returns>
    public static double Precision(ReadOnlySpan<int> ranking, ReadOnlySpan<int> relevant, int k) =>
        Compute(ranking, relevant, k).Precision;

    /// <summary>
    /// NDCG@K with binary gains: DCG = Σ 1/log2(rank + 1) over hits at ranks 1..K, divided by the ideal DCG, the same
    /// sum over ranks 1..min(K, |relevant|).
    /// </summary>
    /// <param name="ranking">Recommended items, best first, distinct.</param>
    /// <param name="relevant">Relevant items, strictly ascending.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>A value in [0, 1]; 0 when nothing is relevant.</returns>
    public static double Ndcg(ReadOnlySpan<int> ranking, ReadOnlySpan<int> relevant, int k) =>
        Compute(ranking, relevant, k).Ndcg;

    /// <summary>AP@K = Σ over hit ranks r ≤ K of precision@r, divided by min(K, |relevant|); MAP@K is its mean over users.</summary>
    /// <param name="ranking">Recommended items, best first, distinct.</param>
    /// <param name="relevant">Relevant items, strictly ascending.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>A value in [0, 1]; 0 when nothing is relevant.</returns>
    public static double AveragePrecision(ReadOnlySpan<int> ranking, ReadOnlySpan<int> relevant, int k) =>
        Compute(ranking, relevant, k).AveragePrecision;

    /// <summary>Catalog coverage: the share of the catalog that appeared in at least one user's top-K list.</summary>
    /// <param name="recommendedItems">Distinct items recommended over all evaluated users.</param>
    /// <param name="items">Catalog size.</param>
    /// <returns><paramref name="recommendedItems"/> / <paramref name="items"/>; 0 for an empty catalog.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, or more items were recommended than exist.</exception>
    public static double Coverage(int recommendedItems, int items)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(recommendedItems);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(recommendedItems, items);
        return items == 0 ? 0 : (double)recommendedItems / items;
    }

    /// <summary>
    /// Intra-list diversity ILD@K (Ziegler et al. 2005): the mean over the pairs of the first K items of
    /// 1 − cosine similarity, with cosines as dot products of unit item vectors. 0 for identical items, 1 for
    /// orthogonal ones, up to 2 for opposite ones.
    /// </summary>
    /// <remarks>Factor cosine rather than e.g. genres, so it applies to any catalog that has an embedding; the
    /// evaluation uses the same vectors for this metric as for MMR.</remarks>
    /// <param name="ranking">Recommended items, best first; only the first <paramref name="k"/> count.</param>
    /// <param name="itemVectors">Unit item vectors, row-major items × <paramref name="dimensions"/>.</param>
    /// <param name="dimensions">Length of each vector, at least 1.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>The mean pairwise distance; 0 for a list of fewer than two items, where it is undefined.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> or <paramref name="dimensions"/> is less than 1.</exception>
    public static double IntraListDiversity(ReadOnlySpan<int> ranking, ReadOnlySpan<float> itemVectors, int dimensions, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
        int depth = Math.Min(k, ranking.Length);
        if (depth < 2)
            return 0;
        double distance = 0;
        for (int a = 0; a < depth; a++)
        {
            ReadOnlySpan<float> first = itemVectors.Slice(ranking[a] * dimensions, dimensions);
            for (int b = a + 1; b < depth; b++)
                distance += 1.0 - TensorPrimitives.Dot(first, itemVectors.Slice(ranking[b] * dimensions, dimensions));
        }
        return distance / (depth * (depth - 1) / 2);
    }

    /// <summary>
    /// Novelty@K (Zhou et al. 2010; Vargas and Castells 2011): the mean self-information −log2(n_i / users) of the first
    /// K items, n_i the users who have item i. Recommending what few users know scores high; blockbusters score near 0.
    /// </summary>
    /// <param name="ranking">Recommended items, best first; only the first <paramref name="k"/> count.</param>
    /// <param name="popularity">Users per item (e.g. with a positive signal in the training data).</param>
    /// <param name="users">The population the counts come from, at least 1.</param>
    /// <param name="k">Cut-off K, at least 1.</param>
    /// <returns>The mean in bits; 0 for an empty list. An item no user has counts as held by one, so it stays finite
    /// (as novel as the rarest known item).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="k"/> or <paramref name="users"/> is less than 1.</exception>
    public static double Novelty(ReadOnlySpan<int> ranking, ReadOnlySpan<float> popularity, int users, int k)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(users, 1);
        int depth = Math.Min(k, ranking.Length);
        if (depth == 0)
            return 0;
        double sum = 0;
        for (int r = 0; r < depth; r++)
            sum -= Math.Log2(Math.Max(popularity[ranking[r]], 1.0) / users);
        return sum / depth;
    }

    /// <summary>Root mean squared error of rating predictions, accumulated in double.</summary>
    /// <param name="predicted">Predicted ratings.</param>
    /// <param name="actual">Observed ratings, aligned with <paramref name="predicted"/>.</param>
    /// <returns>sqrt(Σ (predicted − actual)² / n).</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double Rmse(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        CheckPairs(predicted, actual);
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
        {
            double error = (double)predicted[i] - actual[i];
            sum += error * error;
        }
        return Math.Sqrt(sum / predicted.Length);
    }

    /// <summary>Mean absolute error of rating predictions, accumulated in double.</summary>
    /// <param name="predicted">Predicted ratings.</param>
    /// <param name="actual">Observed ratings, aligned with <paramref name="predicted"/>.</param>
    /// <returns>Σ |predicted − actual| / n.</returns>
    /// <exception cref="ArgumentException">The spans differ in length or are empty.</exception>
    public static double Mae(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        CheckPairs(predicted, actual);
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++)
            sum += Math.Abs((double)predicted[i] - actual[i]);
        return sum / predicted.Length;
    }

    // Gain discount of zero-based rank r (one-based rank r + 1): 1 / log2(r + 2).
    private static double Discount(int rank) => 1.0 / Math.Log2(rank + 2);

    private static double IdealDcg(int hits)
    {
        double sum = 0;
        for (int r = 0; r < hits; r++)
            sum += Discount(r);
        return sum;
    }

    private static void CheckPairs(ReadOnlySpan<float> predicted, ReadOnlySpan<float> actual)
    {
        if (predicted.Length != actual.Length)
            throw new ArgumentException($"{predicted.Length} predictions for {actual.Length} ratings.", nameof(actual));
        // An error over nothing is undefined; a silent 0 would look like a perfect model.
        if (predicted.Length == 0)
            throw new ArgumentException("At least one prediction is needed.", nameof(predicted));
    }
}
