using System.Collections.ObjectModel;

namespace Personalization.Recommender;

/// <summary>
/// An immutable published model: item factors plus everything serving needs to fold users in and rank items
/// consistently with training.
/// </summary>
/// <remarks>The arrays are exposed without copies for hot loops; they must not be modified after construction.</remarks>
public sealed class FactorModel
{
    private readonly Dictionary<string, int> _itemIndex;

    /// <summary>Creates a model after checking that all lengths agree.</summary>
    /// <param name="version">Monotonic model version.</param>
    /// <param name="trainedAt">When training finished.</param>
    /// <param name="dataCutoff">Latest interaction time included in training.</param>
    /// <param name="factors">Number of latent factors k.</param>
    /// <param name="alpha">Confidence scale α used in training (fold-in must use the same).</param>
    /// <param name="regularization">λ used in training (fold-in must use the same).</param>
    /// <param name="itemIds">External item id per row of <paramref name="itemFactors"/>; unique, non-null.</param>
    /// <param name="itemFactors">Row-major items·k factors.</param>
    /// <param name="gram">YᵀY of <paramref name="itemFactors"/>, row-major k×k.</param>
    /// <param name="itemPopularity">Per-item popularity (e.g. positive interaction count).</param>
    /// <param name="metrics">Offline evaluation metrics by name; copied.</param>
    /// <param name="content">Map from content features to this model's factors, for items added after training; null when none was learned.</param>
    /// <param name="userGram">XᵀX of the trained user factors, row-major k×k, for the item-side fold-in of live item vectors; null when not kept.</param>
    /// <param name="users">Users the model was trained on (the rows of <paramref name="userGram"/>'s X).</param>
    /// <param name="encoder">A neural user encoder that replaces the ALS fold-in; null for ALS.</param>
    /// <param name="sequence">A sequence model that replaces the ALS fold-in; null for ALS and Mult-VAE.</param>
    /// <exception cref="ArgumentException">Lengths disagree, an id is null or duplicated, a value is out of range, or
    /// <paramref name="content"/> maps to a different number of factors.</exception>
    public FactorModel(
        long version, DateTimeOffset trainedAt, DateTimeOffset dataCutoff, int factors, float alpha, float regularization,
        string[] itemIds, float[] itemFactors, double[] gram, float[] itemPopularity, IReadOnlyDictionary<string, double> metrics,
        ContentMapping? content = null, double[]? userGram = null, int users = 0, UserEncoder? encoder = null, Models.SasRecModel? sequence = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentNullException.ThrowIfNull(itemIds);
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(itemPopularity);
        ArgumentNullException.ThrowIfNull(metrics);
        if (!(alpha >= 0) || !float.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "Alpha must be finite and non-negative.");
        if (!(regularization >= 0) || !float.IsFinite(regularization))
            throw new ArgumentOutOfRangeException(nameof(regularization), regularization, "Regularization must be finite and non-negative.");
        if (itemFactors.Length != (long)itemIds.Length * factors)
            throw new ArgumentException(
                $"Expected {itemIds.Length}×{factors} item factors, got {itemFactors.Length}.", nameof(itemFactors));
        if (gram.Length != factors * factors)
            throw new ArgumentException($"Expected a {factors}×{factors} Gram matrix, got {gram.Length} elements.", nameof(gram));
        if (itemPopularity.Length != itemIds.Length)
            throw new ArgumentException(
                $"Expected {itemIds.Length} popularity values, got {itemPopularity.Length}.", nameof(itemPopularity));
        if (userGram is not null && userGram.Length != factors * factors)
            throw new ArgumentException($"Expected a {factors}×{factors} user Gram matrix, got {userGram.Length} elements.", nameof(userGram));
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        if (content is not null && content.Factors != factors)
            throw new ArgumentException($"The content mapping has {content.Factors} factors, the model {factors}.", nameof(content));

        _itemIndex = new Dictionary<string, int>(itemIds.Length, StringComparer.Ordinal);
        for (int i = 0; i < itemIds.Length; i++)
        {
            string id = itemIds[i] ?? throw new ArgumentException($"Item id {i} is null.", nameof(itemIds));
            if (!_itemIndex.TryAdd(id, i))
                throw new ArgumentException($"Item id '{id}' appears more than once (rows {_itemIndex[id]} and {i}).", nameof(itemIds));
        }

        Version = version;
        TrainedAt = trainedAt;
        DataCutoff = dataCutoff;
        Factors = factors;
        Alpha = alpha;
        Regularization = regularization;
        ItemIds = itemIds;
        ItemFactors = itemFactors;
        Gram = gram;
        ItemPopularity = itemPopularity;
        Metrics = new ReadOnlyDictionary<string, double>(new Dictionary<string, double>(metrics, StringComparer.Ordinal));
        Content = content;
        UserGram = userGram;
        Users = users;
        if (encoder is not null && (encoder.Factors != factors || encoder.Items != itemIds.Length))
            throw new ArgumentException($"The encoder writes {encoder.Factors} factors for {encoder.Items} items; the model has {factors} for {itemIds.Length}.", nameof(encoder));
        Encoder = encoder;
        if (sequence is not null && (sequence.Dimensions != factors || sequence.Items != itemIds.Length))
            throw new ArgumentException($"The sequence model has {sequence.Dimensions} dimensions for {sequence.Items} items; the model has {factors} for {itemIds.Length}.", nameof(sequence));
        if (sequence is not null && encoder is not null) throw new ArgumentException("A model has one user side: an encoder or a sequence model.", nameof(sequence));
        Sequence = sequence;
    }

    /// <summary>
    /// A sequence model (SASRec) users are served with instead of the ALS fold-in: the user's vector is its state after
    /// their items in time order, and the item rows are its item embeddings. Null for ALS and Mult-VAE.
    /// </summary>
    public Models.SasRecModel? Sequence { get; }

    /// <summary>
    /// The neural encoder users are served with instead of the ALS fold-in (a Mult-VAE model), or null for ALS:
    /// then <see cref="Alpha"/>, <see cref="Regularization"/> and <see cref="Gram"/> fold users in.
    /// </summary>
    public UserEncoder? Encoder { get; }

    /// <summary>Monotonic model version.</summary>
    public long Version { get; }

    /// <summary>When training finished.</summary>
    public DateTimeOffset TrainedAt { get; }

    /// <summary>Latest interaction time included in training.</summary>
    public DateTimeOffset DataCutoff { get; }

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>Confidence scale α used in training; fold-in must use the same.</summary>
    public float Alpha { get; }

    /// <summary>Regularization λ used in training; fold-in must use the same.</summary>
    public float Regularization { get; }

    /// <summary>External item id per item row.</summary>
    public string[] ItemIds { get; }

    /// <summary>Row-major item factors, <see cref="Items"/>·<see cref="Factors"/> floats.</summary>
    public float[] ItemFactors { get; }

    /// <summary>YᵀY of <see cref="ItemFactors"/>, row-major k×k, for <see cref="FoldIn"/>.</summary>
    public double[] Gram { get; }

    /// <summary>
    /// XᵀX of the trained user factors (row-major k×k): what the item side of the implicit-ALS step needs to fold a
    /// new interaction into an item's vector (<see cref="ItemFoldIn"/>). Null for models that did not keep it.
    /// </summary>
    public double[]? UserGram { get; }

    /// <summary>Users the model was trained on (0 when unknown).</summary>
    public int Users { get; }

    /// <summary>Popularity per item (e.g. number of positive interactions), for cold-start and tie-breaking.</summary>
    public float[] ItemPopularity { get; }

    /// <summary>Offline evaluation metrics by name.</summary>
    public IReadOnlyDictionary<string, double> Metrics { get; }

    /// <summary>
    /// Map from content features (<see cref="ContentMapping.FeaturesOf"/>) to this model's factor space, so items
    /// created after training can be scored from their genres and tags; null when the model has none.
    /// </summary>
    public ContentMapping? Content { get; }

    /// <summary>Number of items.</summary>
    public int Items => ItemIds.Length;

    /// <summary>Finds the row of an item id.</summary>
    /// <param name="itemId">External item id.</param>
    /// <param name="index">The item's row when found.</param>
    /// <returns>Whether the model knows the item.</returns>
    public bool TryGetItemIndex(string itemId, out int index) => _itemIndex.TryGetValue(itemId, out index);

    /// <summary>The factor vector of one item.</summary>
    /// <param name="index">Item row.</param>
    public ReadOnlySpan<float> ItemVector(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Items, nameof(index));
        return ItemFactors.AsSpan(index * Factors, Factors);
    }
}
