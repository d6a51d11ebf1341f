namespace Personalization.Recommender;

/// <summary>Fits a <see cref="ContentMapping"/> and measures it, in sample and on held-out items.</summary>
public static class ContentMappingEvaluation
{
    /// <summary>
    /// Fits the mapping on every item with features, then again without a random share of them, and measures the mean
    /// cosine between mapped and trained factors on the fitted items and on the held-out ones.
    /// </summary>
    /// <remarks>The in-sample cosine flatters the mapping; the held-out one is what an item added after training can
    /// expect, since its features were never fitted to its factors.</remarks>
    /// <param name="itemFeatures">Feature names per model row; empty for items without features.</param>
    /// <param name="itemFactors">Row-major items × <paramref name="k"/> trained factors.</param>
    /// <param name="k">Number of latent factors.</param>
    /// <param name="options">Mapping settings.</param>
    /// <param name="holdoutFraction">Share of the items with features held out, in [0, 1).</param>
    /// <param name="seed">Seed of the choice of held-out items; the same seed and data give the same figures.</param>
    /// <returns>The full mapping and its figures.</returns>
    /// <exception cref="ArgumentException">Lengths disagree or a setting is out of range.</exception>
    public static ContentMappingQuality FitAndEvaluate(
        IReadOnlyList<IReadOnlyList<string>> itemFeatures, float[] itemFactors, int k, ContentMappingOptions options, double holdoutFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(itemFeatures);
        if (!(holdoutFraction >= 0 && holdoutFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(holdoutFraction), holdoutFraction, "The holdout fraction must be in [0, 1).");

        var mapping = ContentMapping.Fit(itemFeatures, itemFactors, k, options);
        double cosine = mapping.MeanCosine(itemFeatures, itemFactors, out int items);

        // Shuffle the items with features and hold out the first share of them (Fisher–Yates, seeded).
        var candidates = new List<int>();
        for (int i = 0; i < itemFeatures.Count; i++)
        {
            if (itemFeatures[i] is { Count: > 0 })
                candidates.Add(i);
        }
        int heldOut = (int)(holdoutFraction * candidates.Count);
        if (heldOut == 0)
            return new ContentMappingQuality(mapping, cosine, items, double.NaN, 0, 0);
        var random = new Random(seed);
        for (int i = candidates.Count - 1; i > 0; i--)
        {
            int j = random.Next(i + 1);
            (candidates[i], candidates[j]) = (candidates[j], candidates[i]);
        }

        var fitted = new IReadOnlyList<string>[itemFeatures.Count];
        var holdout = new IReadOnlyList<string>[itemFeatures.Count];
        for (int i = 0; i < fitted.Length; i++)
        {
            fitted[i] = itemFeatures[i];
            holdout[i] = [];
        }
        for (int h = 0; h < heldOut; h++)
        {
            int row = candidates[h];
            holdout[row] = itemFeatures[row];
            fitted[row] = [];
        }
        var partial = ContentMapping.Fit(fitted, itemFactors, k, options);
        double holdoutCosine = partial.MeanCosine(holdout, itemFactors, out int holdoutItems);
        return new ContentMappingQuality(mapping, cosine, items, holdoutCosine, holdoutItems, heldOut);
    }
}
