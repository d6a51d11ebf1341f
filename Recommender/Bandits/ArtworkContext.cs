namespace Personalization.Recommender.Bandits;

/// <summary>
/// The user features the artwork bandit conditions on: a bias term and the user's taste as shares of their positive
/// genre affinity. Shares rather than raw sums, so a user with 3 plays and one with 300 of the same taste look alike.
/// </summary>
public static class ArtworkContext
{
    /// <summary>Context length for a model with <paramref name="genres"/> genres: 1 (bias) + one per genre.</summary>
    public static int DimensionsFor(int genres)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(genres);
        return 1 + genres;
    }

    /// <summary>Writes [1, share of genre 0, share of genre 1, ...]; negative affinities count as 0, none gives [1, 0, ...].</summary>
    /// <exception cref="ArgumentException"><paramref name="features"/> is not 1 + affinity's length.</exception>
    public static void FromGenreAffinity(ReadOnlySpan<double> affinity, Span<float> features)
    {
        if (features.Length != DimensionsFor(affinity.Length))
            throw new ArgumentException($"Expected {DimensionsFor(affinity.Length)} features, got {features.Length}.", nameof(features));
        double total = 0;
        foreach (var a in affinity) if (a > 0 && double.IsFinite(a)) total += a;
        features[0] = 1;
        for (var g = 0; g < affinity.Length; g++)
            features[g + 1] = total > 0 && affinity[g] > 0 && double.IsFinite(affinity[g]) ? (float)(affinity[g] / total) : 0f;
    }
}
