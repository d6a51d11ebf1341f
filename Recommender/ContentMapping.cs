using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// A linear map from an item's content features (genres, tags) to the latent factor space of a
/// <see cref="FactorModel"/>, so an item nobody has interacted with yet can be scored at once: its mapped vector
/// stands in for the factors training could not give it.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Fit"/> learns the weights by ridge regression of the trained item factors Y on the items' binary
/// features F: W = (FᵀF + λI)⁻¹·FᵀY, one k-vector per feature. Each row of F is scaled by 1/√m, m the item's number
/// of known features, so every item has unit weight in the fit whether it carries one genre or forty tags, and a
/// mapped vector is Σ W_f / √m over its known features. Dividing by √m rather than m keeps items with many features
/// from collapsing towards the average of their features' vectors.
/// </para>
/// <para>
/// Ridge shrinks: mapped vectors are shorter than trained ones, more so for items with only rare features. Scored
/// against a user vector this ranks a new item conservatively until its own interactions train real factors.
/// </para>
/// <para>Feature names come from <see cref="FeaturesOf"/>, the one place that defines them. Immutable; the arrays
/// are exposed without copies and must not be modified.</para>
/// </remarks>
public sealed class ContentMapping
{
    /// <summary>Prefix of genre features.</summary>
    public const string GenrePrefix = "genre:";

    /// <summary>Prefix of tag features.</summary>
    public const string TagPrefix = "tag:";

    private readonly Dictionary<string, int> _featureIndex;

    /// <summary>Creates a mapping from learned weights (as <see cref="Fit"/> and the model reader do).</summary>
    /// <param name="features">Feature names, unique and non-null; at most <see cref="ContentMappingOptions.MaxFeaturesLimit"/>.</param>
    /// <param name="weights">Row-major features × <paramref name="factors"/> weights, finite.</param>
    /// <param name="factors">Number of latent factors k.</param>
    /// <param name="regularization">The ridge λ the weights were fitted with (kept for the record).</param>
    /// <exception cref="ArgumentException">Lengths disagree, a name is null or repeated, or a value is out of range.</exception>
    public ContentMapping(string[] features, float[] weights, int factors, double regularization)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (features.Length > ContentMappingOptions.MaxFeaturesLimit)
            throw new ArgumentException(
                $"At most {ContentMappingOptions.MaxFeaturesLimit} features are supported, got {features.Length}.", nameof(features));
        if (weights.Length != (long)features.Length * factors)
            throw new ArgumentException($"Expected {features.Length}×{factors} weights, got {weights.Length}.", nameof(weights));
        if (!(regularization > 0) || !double.IsFinite(regularization))
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be finite and positive.");
        // IsFiniteAll is false for an empty span; an empty mapping is valid.
        if (weights.Length > 0 && !TensorPrimitives.IsFiniteAll<float>(weights))
            throw new ArgumentException("Weights must be finite.", nameof(weights));

        _featureIndex = new Dictionary<string, int>(features.Length, StringComparer.Ordinal);
        for (int f = 0; f < features.Length; f++)
        {
            string name = features[f] ?? throw new ArgumentException($"Feature {f} is null.", nameof(features));
            if (!_featureIndex.TryAdd(name, f))
                throw new ArgumentException($"Feature '{name}' appears more than once (rows {_featureIndex[name]} and {f}).", nameof(features));
        }
        Features = features;
        Weights = weights;
        Factors = factors;
        Regularization = regularization;
    }

    /// <summary>Feature names, one per row of <see cref="Weights"/>, most frequent first.</summary>
    public string[] Features { get; }

    /// <summary>Row-major <see cref="Features"/>.Length × <see cref="Factors"/> weights.</summary>
    public float[] Weights { get; }

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>The ridge λ the weights were fitted with.</summary>
    public double Regularization { get; }

    /// <summary>
    /// The content features of an item: <c>genre:</c> and the genre as given, <c>tag:</c> and the tag in lower case
    /// (tags are free text, genres a fixed list), both trimmed; blank entries are dropped and repeats kept once.
    /// </summary>
    /// <param name="genres">The item's genres, e.g. "Comedy".</param>
    /// <param name="tags">The item's free tags.</param>
    /// <returns>Feature names in input order, genres first.</returns>
    public static IReadOnlyList<string> FeaturesOf(IEnumerable<string> genres, IEnumerable<string> tags)
    {
        ArgumentNullException.ThrowIfNull(genres);
        ArgumentNullException.ThrowIfNull(tags);
        var features = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string? genre in genres)
        {
            if (string.IsNullOrWhiteSpace(genre))
                continue;
            string feature = GenrePrefix + genre.Trim();
            if (seen.Add(feature))
                features.Add(feature);
        }
        foreach (string? tag in tags)
        {
            if (string.IsNullOrWhiteSpace(tag))
                continue;
            string feature = TagPrefix + tag.Trim().ToLowerInvariant();
            if (seen.Add(feature))
                features.Add(feature);
        }
        return features;
    }

    /// <summary>Learns the mapping from the items of a trained model.</summary>
    /// <param name="itemFeatures">Feature names per model row (from <see cref="FeaturesOf"/>); an empty list for an item
    /// without features, which is then left out of the fit.</param>
    /// <param name="itemFactors">Row-major items × <paramref name="k"/> trained factors.</param>
    /// <param name="k">Number of latent factors.</param>
    /// <param name="options">Regularization and vocabulary limits.</param>
    /// <returns>The mapping; it has no features when no feature is on enough items.</returns>
    /// <exception cref="ArgumentException">Lengths disagree, a row is null, or an option is out of range.</exception>
    public static ContentMapping Fit(IReadOnlyList<IReadOnlyList<string>> itemFeatures, float[] itemFactors, int k, ContentMappingOptions options)
    {
        ArgumentNullException.ThrowIfNull(itemFeatures);
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(k, 1);
        options.Validate();
        int items = itemFeatures.Count;
        if (itemFactors.Length != (long)items * k)
            throw new ArgumentException($"Expected {items}×{k} item factors, got {itemFactors.Length}.", nameof(itemFactors));

        string[] vocabulary = Vocabulary(itemFeatures, options);
        int n = vocabulary.Length;
        if (n == 0)
            return new ContentMapping([], [], k, options.Regularization);
        var index = new Dictionary<string, int>(n, StringComparer.Ordinal);
        for (int f = 0; f < n; f++)
            index[vocabulary[f]] = f;

        // FᵀF (upper triangle) and FᵀY accumulated item by item: an item with m known features touches m(m+1)/2
        // cells of the first and m rows of the second, so the sparse F is never materialized.
        var gram = new double[n * n];
        var rhs = new double[n * k];
        var known = new List<int>();
        var row = new double[k];
        for (int i = 0; i < items; i++)
        {
            KnownFeatures(itemFeatures[i], index, known);
            int m = known.Count;
            if (m == 0)
                continue;
            double scale = 1.0 / Math.Sqrt(m);
            double scaleSquared = 1.0 / m;
            ReadOnlySpan<int> columns = CollectionsMarshal.AsSpan(known);
            for (int p = 0; p < m; p++)
            {
                int a = columns[p];
                // Columns are sorted, so (a, b) with b ≥ a is in the upper triangle.
                for (int q = p; q < m; q++)
                    gram[a * n + columns[q]] += scaleSquared;
            }
            ReadOnlySpan<float> y = itemFactors.AsSpan(i * k, k);
            for (int d = 0; d < k; d++)
                row[d] = scale * y[d];
            for (int p = 0; p < m; p++)
                TensorPrimitives.Add(rhs.AsSpan(columns[p] * k, k), row, rhs.AsSpan(columns[p] * k, k));
        }
        for (int f = 0; f < n; f++)
            gram[f * n + f] += options.Regularization;

        // λ > 0 makes the system positive definite; failure means non-finite factors.
        if (!Cholesky.TrySolveManyInPlace(gram, n, rhs, k))
            throw new ArgumentException("The content regression is not positive definite: the item factors are not finite.", nameof(itemFactors));
        var weights = new float[n * k];
        for (int e = 0; e < weights.Length; e++)
            weights[e] = (float)rhs[e];
        return new ContentMapping(vocabulary, weights, k, options.Regularization);
    }

    /// <summary>Maps an item's features to factors: Σ W_f / √m over the m distinct known features.</summary>
    /// <param name="features">The item's feature names (see <see cref="FeaturesOf"/>); unknown ones are ignored.</param>
    /// <param name="factors">Receives the <see cref="Factors"/> mapped values; zeros when the result is false.</param>
    /// <returns>false when none of the features is known to the mapping.</returns>
    /// <exception cref="ArgumentException"><paramref name="factors"/> does not have <see cref="Factors"/> elements.</exception>
    [SkipLocalsInit]
    public bool TryMap(IEnumerable<string> features, Span<float> factors)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (factors.Length != Factors)
            throw new ArgumentException($"Expected {Factors} factors, got {factors.Length}.", nameof(factors));
        factors.Clear();
        // One bit per vocabulary entry so a repeated feature counts once; at most 10,000 bits (1.25 KB) of stack.
        Span<uint> seen = stackalloc uint[(Features.Length + 31) >> 5];
        seen.Clear();
        int m = 0;
        foreach (string feature in features)
        {
            if (feature is null || !_featureIndex.TryGetValue(feature, out int f))
                continue;
            uint bit = 1u << (f & 31);
            if ((seen[f >> 5] & bit) != 0)
                continue;
            seen[f >> 5] |= bit;
            m++;
            TensorPrimitives.Add(factors, Weights.AsSpan(f * Factors, Factors), factors);
        }
        if (m == 0)
            return false;
        TensorPrimitives.Multiply(factors, (float)(1.0 / Math.Sqrt(m)), factors);
        return true;
    }

    /// <summary>
    /// Mean cosine similarity between the mapped and the trained factors of the items the mapping can map (those
    /// with a known feature and non-zero trained factors): how well content alone places items in the factor space.
    /// </summary>
    /// <param name="itemFeatures">Feature names per row of <paramref name="itemFactors"/>; rows with an empty list are skipped.</param>
    /// <param name="itemFactors">Row-major items × <see cref="Factors"/> trained factors.</param>
    /// <param name="items">Number of items measured.</param>
    /// <returns>The mean cosine, or NaN when no item could be measured.</returns>
    public double MeanCosine(IReadOnlyList<IReadOnlyList<string>> itemFeatures, float[] itemFactors, out int items)
    {
        ArgumentNullException.ThrowIfNull(itemFeatures);
        ArgumentNullException.ThrowIfNull(itemFactors);
        if (itemFactors.Length != (long)itemFeatures.Count * Factors)
            throw new ArgumentException($"Expected {itemFeatures.Count}×{Factors} item factors, got {itemFactors.Length}.", nameof(itemFactors));
        var mapped = new float[Factors];
        double sum = 0;
        items = 0;
        for (int i = 0; i < itemFeatures.Count; i++)
        {
            ReadOnlySpan<float> trained = itemFactors.AsSpan(i * Factors, Factors);
            if (itemFeatures[i] is not { Count: > 0 } features || !TryMap(features, mapped) || TensorPrimitives.Norm(trained) == 0f)
                continue;
            sum += Scoring.Cosine(mapped, trained);
            items++;
        }
        return items == 0 ? double.NaN : sum / items;
    }

    // Features on at least MinItemsPerFeature items, most frequent first, ties by ordinal name (deterministic).
    private static string[] Vocabulary(IReadOnlyList<IReadOnlyList<string>> itemFeatures, ContentMappingOptions options)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var distinct = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < itemFeatures.Count; i++)
        {
            IReadOnlyList<string> features = itemFeatures[i] ?? throw new ArgumentException($"The features of row {i} are null.", nameof(itemFeatures));
            distinct.Clear();
            foreach (string feature in features)
            {
                if (feature is not null && distinct.Add(feature))
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, feature, out _)++;
            }
        }
        return counts.Where(pair => pair.Value >= options.MinItemsPerFeature)
            .OrderByDescending(pair => pair.Value).ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Take(options.MaxFeatures).Select(pair => pair.Key).ToArray();
    }

    // The sorted distinct vocabulary indices of one item's features (null rows were rejected by Vocabulary).
    private static void KnownFeatures(IReadOnlyList<string> features, Dictionary<string, int> index, List<int> known)
    {
        known.Clear();
        foreach (string feature in features)
        {
            if (feature is not null && index.TryGetValue(feature, out int f))
                known.Add(f);
        }
        known.Sort();
        int distinct = 0;
        for (int p = 0; p < known.Count; p++)
        {
            if (p == 0 || known[p] != known[p - 1])
                known[distinct++] = known[p];
        }
        known.RemoveRange(distinct, known.Count - distinct);
    }
}
