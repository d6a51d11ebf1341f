using System.Collections.Frozen;
using System.Numerics.Tensors;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>
/// The immutable index the silo serves from: one model's item factors plus the catalog items the model has not
/// seen yet, with titles, genres and added dates laid out by row. Swapped atomically as a whole, so a request sees
/// one model throughout.
/// </summary>
/// <remarks>
/// Rows [0, <see cref="ModelItems"/>) are the model's items in model order; rows after that are catalog items the
/// model lacks (added after training), whose factors come from the model's content mapping (genres and tags mapped
/// into the factor space) when it has one, and are zero otherwise. Such an item is therefore rankable the moment it
/// is in the catalog.
/// </remarks>
public sealed class ServingModel
{
    /// <summary>Most anchors whose neighbours are kept per model (a list is about 2 KB).</summary>
    public const int MaxCachedNeighbourLists = 20_000;

    private readonly FrozenDictionary<string, int> _rowOf;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, ItemNeighbours> _neighbours = new();

    /// <summary>Builds the index of <paramref name="model"/> over <paramref name="catalog"/>.</summary>
    /// <param name="model">The published model.</param>
    /// <param name="catalog">The catalog by id.</param>
    /// <param name="options">Serving settings (the window of "new" items).</param>
    /// <param name="now">The time "new" is measured from.</param>
    /// <param name="previous">The index being replaced; its normalized factors are reused when only the catalog changed.</param>
    /// <param name="ownFactors">
    /// Copy the model's factors even without catalog extras, so live item vectors (<see cref="SetLive"/>) can be written
    /// into them without changing the published model.
    /// </param>
    public ServingModel(FactorModel model, IReadOnlyDictionary<string, CatalogItem> catalog, ServingOptions options, DateTimeOffset now, ServingModel? previous = null,
        bool ownFactors = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        Model = model;
        var k = model.Factors;
        var extras = catalog.Values.Where(item => !model.TryGetItemIndex(item.ItemId, out _))
            .OrderBy(item => item.AddedAt).ThenBy(item => item.ItemId, StringComparer.Ordinal).ToList();
        ModelItems = model.ItemIds.Length;
        var count = ModelItems + extras.Count;
        ItemIds = extras.Count == 0 ? model.ItemIds : [.. model.ItemIds, .. extras.Select(e => e.ItemId)];
        _rowOf = ItemIds.Select((id, row) => (id, row)).ToFrozenDictionary(p => p.id, p => p.row, StringComparer.Ordinal);

        // Without extras the model's array is shared, not copied: at a million items it is 256 MB.
        OwnsFactors = ownFactors || extras.Count > 0;
        ItemFactors = OwnsFactors ? new float[count * k] : model.ItemFactors;
        if (OwnsFactors)
        {
            model.ItemFactors.AsSpan().CopyTo(ItemFactors);
            for (var e = 0; e < extras.Count; e++)
                ContentFactors(model, extras[e], ItemFactors.AsSpan((ModelItems + e) * k, k));
        }

        Titles = new string[count];
        AddedAt = new DateTimeOffset[count];
        ItemGenres = new int[count][];
        var genreNames = new List<string>();
        var genreIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var genreRows = new List<List<int>>();
        for (var row = 0; row < count; row++)
        {
            var id = ItemIds[row];
            catalog.TryGetValue(id, out var item);
            Titles[row] = item?.Title ?? id;
            AddedAt[row] = item?.AddedAt ?? DateTimeOffset.UnixEpoch;
            var genres = item?.Genres ?? [];
            var ids = new int[genres.Count];
            for (var g = 0; g < genres.Count; g++)
            {
                if (!genreIds.TryGetValue(genres[g], out var gid))
                {
                    gid = genreIds[genres[g]] = genreNames.Count;
                    genreNames.Add(genres[g]);
                    genreRows.Add([]);
                }
                ids[g] = gid;
                genreRows[gid].Add(row);
            }
            ItemGenres[row] = ids;
        }
        Genres = genreNames.ToArray();
        GenreItems = genreRows.Select(r => r.ToArray()).ToArray();
        (NormalizedFactors, InverseNorms) = previous is not null && ReferenceEquals(previous.ItemFactors, ItemFactors)
            ? (previous.NormalizedFactors, previous.InverseNorms)
            : Normalize(ItemFactors, k);
        PopularityScores = new float[count];
        Popularity = new float[count];
        model.ItemPopularity.AsSpan().CopyTo(Popularity);
        for (var row = 0; row < ModelItems; row++) PopularityScores[row] = MathF.Log(1f + model.ItemPopularity[row]);
        Ranking = options.Ranking.ToSettings();
        // Large catalogs get the int8 index for candidate retrieval; reuse the previous one when the factors did not change.
        Index = count < options.QuantizedIndexFromItems ? null
            : previous?.Index is { } index && ReferenceEquals(previous.ItemFactors, ItemFactors) ? index
            : new QuantizedItemIndex(ItemFactors, k);
        // The same model over the same rows keeps its lists and calibration: a copy of the factors made for live vectors
        // re-quantizes them (milliseconds) instead of clustering and calibrating again (a tenth of a second at 20,000
        // items, seconds at a million).
        (InvertedIndex, IndexCalibration) = Index is null || count < options.InvertedIndexFromItems ? (null, null)
            : previous is { IndexCalibration: { } calibration } && ReferenceEquals(previous.Model, model) && previous.ItemCount == count
                ? (previous.InvertedIndex is not { } layout ? null
                    : ReferenceEquals(previous.ItemFactors, ItemFactors) ? layout : new IvfItemIndex(ItemFactors, layout), calibration)
            : CalibratedInvertedIndex(model, Index, ItemFactors, Ranking.CandidatePool, options);
        SearchIndex = InvertedIndex ?? (IItemIndex?)Index;
        PageIndex = count >= options.PageIndexFromItems ? SearchIndex : null;
        MostPopular = MostPopularRows(PopularityScores, Math.Min(count, MostPopularLength));
        GenrePopularity = GenreItems.Select(rows => rows.Sum(r => r < ModelItems ? (double)model.ItemPopularity[r] : 0)).ToArray();
        GenreTexts = Array.ConvertAll(Genres, Serving.GenreTexts.For);
        var since = now - options.NewItemWindow;
        NewItems = Enumerable.Range(0, count).Where(r => AddedAt[r] >= since)
            .OrderByDescending(r => AddedAt[r]).ThenBy(r => r).Take(options.MaxNewItems).ToArray();
    }

    /// <summary>The model.</summary>
    public FactorModel Model { get; }

    /// <summary>Whether <see cref="ItemFactors"/> is this index's own copy, which live vectors may be written into.</summary>
    public bool OwnsFactors { get; }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, LiveVectorInfo> _live = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<int, float[]> _priors = new();

    /// <summary>
    /// Writes an item's live vector (re-solved by its grain from its viewers since the model was trained) over its row:
    /// the factors, the normalized factors, the int8 index and its cached neighbours, so Top picks, Because you
    /// watched, similar items and the index all rank with it from the next request on.
    /// </summary>
    /// <remarks>
    /// Rows are written in place while requests read them: a request that reads a row half-written ranks that one item
    /// with a mix of its old and new vector, once. The Gram matrix the user grains fold in with is the model's, not
    /// updated: one item's change moves it by a rank-2 term that the next model brings in.
    /// </remarks>
    /// <exception cref="InvalidOperationException">The factors are the model's own array (<see cref="OwnsFactors"/> is false).</exception>
    public void SetLive(int row, ReadOnlySpan<float> vector, LiveVectorInfo info)
    {
        if (!OwnsFactors) throw new InvalidOperationException("Live vectors need a serving index with its own copy of the factors.");
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, ItemCount);
        if (vector.Length != Factors) throw new ArgumentException($"A vector of {Factors} factors is needed, not {vector.Length}.", nameof(vector));
        var k = Factors;
        var target = ItemFactors.AsSpan(row * k, k);
        _priors.TryAdd(row, target.ToArray());
        vector.CopyTo(target);
        var normalized = NormalizedFactors.AsSpan(row * k, k);
        InverseNorms[row] = NormalizeRow(vector, normalized);
        Index?.Update(row);
        InvertedIndex?.Update(row);
        // Kept neighbour lists (Because you watched): the item's own, and every list the new vector may now enter or
        // had a place in. A dot product per kept list: at most MaxCachedNeighbourLists·k multiply-adds.
        _neighbours.TryRemove(row, out _);
        foreach (var (anchor, list) in _neighbours)
        {
            var similarity = TensorPrimitives.Dot(NormalizedFactors.AsSpan(anchor * k, k), normalized);
            if (list.Rows.Length == 0 || similarity >= list.Similarities[^1] || Array.IndexOf(list.Rows, row) >= 0)
                _neighbours.TryRemove(anchor, out _);
        }
        _live[row] = info;
    }

    /// <summary>The live vector's provenance of a row, or null when the row holds its trained or content vector.</summary>
    public LiveVectorInfo? LiveOf(int row) => _live.TryGetValue(row, out var info) ? info : null;

    /// <summary>The row's vector before any live vector: the trained one, or the content-mapped one of an extra.</summary>
    public ReadOnlySpan<float> PriorOf(int row) => _priors.TryGetValue(row, out var prior) ? prior : FactorsOf(row);

    /// <summary>Model version.</summary>
    public long Version => Model.Version;

    /// <summary>The family a model belongs to: <c>multvae</c> or <c>sasrec</c> when a neural model serves its users, else <c>als</c>.</summary>
    public static string FamilyOf(FactorModel model) => model.Encoder is not null ? "multvae" : model.Sequence is not null ? "sasrec" : "als";

    /// <summary>Factors per item.</summary>
    public int Factors => Model.Factors;

    /// <summary>Items the model was trained on (the first rows).</summary>
    public int ModelItems { get; }

    /// <summary>All rows: the model's items, then catalog items the model lacks.</summary>
    public int ItemCount => ItemIds.Length;

    /// <summary>
    /// The items most similar to <paramref name="anchor"/>, computed once per model by <paramref name="compute"/> and
    /// kept (up to <see cref="MaxCachedNeighbourLists"/> anchors): every user who watched the anchor gets the same list,
    /// and a page filters it instead of scoring the whole catalog again.
    /// </summary>
    public ItemNeighbours NeighboursOf(int anchor, Func<ServingModel, int, ItemNeighbours> compute)
    {
        if (_neighbours.TryGetValue(anchor, out var cached)) return cached;
        var computed = compute(this, anchor);
        return _neighbours.Count < MaxCachedNeighbourLists ? _neighbours.GetOrAdd(anchor, computed) : computed;
    }

    /// <summary>Item id per row.</summary>
    public string[] ItemIds { get; }

    /// <summary>Row-major factors of every row (model factors, then content-mapped factors).</summary>
    public float[] ItemFactors { get; }

    /// <summary>Title per row.</summary>
    public string[] Titles { get; }

    /// <summary>When each row's item entered the catalog.</summary>
    public DateTimeOffset[] AddedAt { get; }

    /// <summary>Rows added within the new-item window, newest first (at most <see cref="ServingOptions.MaxNewItems"/>).</summary>
    public int[] NewItems { get; }

    /// <summary>Genre ids per row.</summary>
    public int[][] ItemGenres { get; }

    /// <summary>Genre names by genre id.</summary>
    public string[] Genres { get; }

    /// <summary>Rows per genre id.</summary>
    public int[][] GenreItems { get; }

    /// <summary>Summed popularity per genre id.</summary>
    public double[] GenrePopularity { get; }

    /// <summary>Row ids and reasons per genre id.</summary>
    public GenreTexts[] GenreTexts { get; }

    /// <summary>Unit-length item factors (row-major), for cosine similarity.</summary>
    public float[] NormalizedFactors { get; }

    /// <summary>
    /// 1/|row| of <see cref="ItemFactors"/> per row (0 for a zero row): cosines from the raw rows, where a request has just
    /// read them (the reranker's pool after the index's exact re-score).
    /// </summary>
    public float[] InverseNorms { get; }

    /// <summary>log(1 + popularity) per row (0 for items the model has not seen): the ranking for users without a vector.</summary>
    public float[] PopularityScores { get; }

    /// <summary>Users with a positive signal per row in the training data (0 for items the model has not seen).</summary>
    public float[] Popularity { get; }

    /// <summary>The beyond-accuracy controls of Top picks and recommendations.</summary>
    public Recommender.Reranking.RankingSettings Ranking { get; }

    /// <summary>The int8 candidate index, for catalogs of at least <see cref="ServingOptions.QuantizedIndexFromItems"/> items; else null.</summary>
    public QuantizedItemIndex? Index { get; }

    /// <summary>Rows kept in <see cref="MostPopular"/>: more than a page's popularity fill skips in practice.</summary>
    public const int MostPopularLength = 1024;

    /// <summary>
    /// The most popular rows, most popular first (ties to the lower row, as <see cref="TopK"/> orders them): Trending's
    /// fill walks these instead of ranking the whole catalog by popularity on every page.
    /// </summary>
    public int[] MostPopular { get; }

    private static int[] MostPopularRows(float[] popularity, int length)
    {
        var rows = new int[length];
        var scores = new float[length];
        var found = TopK.Select(popularity, rows, scores);
        return rows[..found];
    }

    /// <summary>
    /// The inverted file over the int8 codes that searches go through: built from
    /// <see cref="ServingOptions.InvertedIndexFromItems"/> items and kept when its calibration reached the target recall
    /// (always from <see cref="ServingOptions.InvertedIndexAlwaysFromItems"/>); else null.
    /// </summary>
    public IvfItemIndex? InvertedIndex { get; }

    /// <summary>What calibrating the inverted file measured, whether or not it serves; null when none was built.</summary>
    public IvfCalibration? IndexCalibration { get; }

    /// <summary>Sample users the inverted file is calibrated on.</summary>
    internal const int CalibrationQueries = 200;

    // The list the inverted file is calibrated for: the gateway's default k.
    private const int DefaultListLength = 20;

    // The sample users are fold-ins of histories drawn by popularity (the model keeps no user factors), with the
    // model's own λ and α, as the user grains fold in.
    private static (IvfItemIndex?, IvfCalibration) CalibratedInvertedIndex(FactorModel model, QuantizedItemIndex flat, float[] itemFactors, int pool,
        ServingOptions options)
    {
        var k = model.Factors;
        var inverted = new IvfItemIndex(itemFactors, k);
        var queries = Recommender.CalibrationQueries.FromSampledHistories(itemFactors, k, model.Gram, model.ItemIds.Length, model.ItemPopularity,
            model.Alpha, model.Regularization, CalibrationQueries);
        var calibration = inverted.Calibrate(flat, queries, pool, Ranker.PoolCandidates(DefaultListLength, pool), options.InvertedIndexRecall, Math.Max(1, inverted.ListCount / 4));
        return (calibration.Reached || flat.ItemCount >= options.InvertedIndexAlwaysFromItems ? inverted : null, calibration);
    }

    /// <summary>What top-K searches go through: the inverted file where there is one, else the flat int8 index, else null.</summary>
    public IItemIndex? SearchIndex { get; }

    /// <summary>
    /// The index the home page takes its candidates from (catalogs of at least <see cref="ServingOptions.PageIndexFromItems"/>
    /// items); null when the page scores the whole catalog.
    /// </summary>
    public IItemIndex? PageIndex { get; }

    /// <summary>The row of an item, or -1.</summary>
    public int RowOf(string itemId) => _rowOf.TryGetValue(itemId, out var row) ? row : -1;

    /// <summary>The item id of a row.</summary>
    public string ItemId(int row) => ItemIds[row];

    /// <summary>The factors of a row.</summary>
    public ReadOnlySpan<float> FactorsOf(int row) => ItemFactors.AsSpan(row * Factors, Factors);

    // The content-mapped vector of an item the model has not seen; zeros when the model has no mapping or the item
    // has no known genre or tag.
    private static void ContentFactors(FactorModel model, CatalogItem item, Span<float> target)
    {
        target.Clear();
        model.Content?.TryMap(ContentMapping.FeaturesOf(item.Genres, item.Tags), target);
    }

    private static (float[] Normalized, float[] InverseNorms) Normalize(float[] factors, int k)
    {
        var normalized = new float[factors.Length];
        var inverseNorms = new float[factors.Length / k];
        for (var offset = 0; offset < factors.Length; offset += k)
            inverseNorms[offset / k] = NormalizeRow(factors.AsSpan(offset, k), normalized.AsSpan(offset, k));
        return (normalized, inverseNorms);
    }

    // One row's unit vector into target (zeros for a zero row), returning 1/|row| (0 for a zero row): the same rule for
    // the model's rows and for a live vector written over one.
    private static float NormalizeRow(ReadOnlySpan<float> row, Span<float> target)
    {
        var norm = TensorPrimitives.Norm(row);
        if (norm > 0)
        {
            TensorPrimitives.Divide(row, norm, target);
            return 1f / norm;
        }
        target.Clear();
        return 0f;
    }
}

/// <summary>An item's nearest items, most similar first.</summary>
/// <param name="Rows">Their rows.</param>
/// <param name="Similarities">Their cosine similarity to the anchor.</param>
/// <param name="Complete">True when the list holds every candidate (the catalog, or the index's pool, had no more).</param>
public sealed record ItemNeighbours(int[] Rows, float[] Similarities, bool Complete);

/// <summary>Where a live item vector came from.</summary>
/// <param name="Interactions">Interactions folded in since the model was trained.</param>
/// <param name="UpdatedAtMs">Unix ms of the solve.</param>
public sealed record LiveVectorInfo(int Interactions, long UpdatedAtMs);
