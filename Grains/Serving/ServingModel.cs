using System.Collections.Frozen;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>
/// The immutable index the silo serves from: one model's item factors with the catalog's titles and
/// genres laid out by model row. Swapped atomically as a whole, so a request sees one model throughout.
/// </summary>
public sealed class ServingModel
{
    private readonly FrozenDictionary<string, int> _rowOf;

    /// <summary>Builds the index of <paramref name="model"/> over <paramref name="catalog"/>.</summary>
    public ServingModel(FactorModel model, IReadOnlyDictionary<string, CatalogItem> catalog, ServingModel? previous = null)
    {
        Model = model;
        var count = model.ItemIds.Length;
        _rowOf = model.ItemIds.Select((id, row) => (id, row)).ToFrozenDictionary(p => p.id, p => p.row, StringComparer.Ordinal);
        Titles = new string[count];
        var genreNames = new List<string>();
        var genreIds = new Dictionary<string, int>(StringComparer.Ordinal);
        var genreRows = new List<List<int>>();
        ItemGenres = new int[count][];
        for (var row = 0; row < count; row++)
        {
            var id = model.ItemIds[row];
            catalog.TryGetValue(id, out var item);
            Titles[row] = item?.Title ?? id;
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
        // Normalized factors make "similar" a dot product; reuse them when only the catalog changed.
        NormalizedFactors = ReferenceEquals(previous?.Model, model) ? previous!.NormalizedFactors : Normalize(model.ItemFactors, model.Factors);
        PopularityScores = model.ItemPopularity.Select(p => MathF.Log(1f + p)).ToArray();
        GenrePopularity = GenreItems.Select(rows => rows.Sum(r => (double)model.ItemPopularity[r])).ToArray();
    }

    /// <summary>The model.</summary>
    public FactorModel Model { get; }

    /// <summary>Model version.</summary>
    public long Version => Model.Version;

    /// <summary>Factors per item.</summary>
    public int Factors => Model.Factors;

    /// <summary>Items in the model.</summary>
    public int ItemCount => Model.ItemIds.Length;

    /// <summary>Title per model row.</summary>
    public string[] Titles { get; }

    /// <summary>Genre ids per model row.</summary>
    public int[][] ItemGenres { get; }

    /// <summary>Genre names by genre id.</summary>
    public string[] Genres { get; }

    /// <summary>Model rows per genre id.</summary>
    public int[][] GenreItems { get; }

    /// <summary>Summed popularity per genre id.</summary>
    public double[] GenrePopularity { get; }

    /// <summary>Unit-length item factors (row-major), for cosine similarity.</summary>
    public float[] NormalizedFactors { get; }

    /// <summary>log(1 + popularity) per row: the ranking for users without a vector.</summary>
    public float[] PopularityScores { get; }

    /// <summary>The model row of an item, or -1.</summary>
    public int RowOf(string itemId) => _rowOf.TryGetValue(itemId, out var row) ? row : -1;

    /// <summary>The item id of a model row.</summary>
    public string ItemId(int row) => Model.ItemIds[row];

    /// <summary>The factors of a model row.</summary>
    public ReadOnlySpan<float> FactorsOf(int row) => Model.ItemFactors.AsSpan(row * Factors, Factors);

    private static float[] Normalize(float[] factors, int k)
    {
        var normalized = new float[factors.Length];
        for (var offset = 0; offset < factors.Length; offset += k)
        {
            var source = factors.AsSpan(offset, k);
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(source);
            if (norm > 0) System.Numerics.Tensors.TensorPrimitives.Divide(source, norm, normalized.AsSpan(offset, k));
        }
        return normalized;
    }
}
