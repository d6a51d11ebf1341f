using Personalization.Grains.Serving;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Tests.Grains;

/// <summary>Live item vectors in the serving index: where they are served, what the provider keeps and drops.</summary>
public sealed class LiveServingTests
{
    private const int K = RankerTests.K;

    private static FactorModel RandomModel() => RankerTests.RandomModel();

    [Fact]
    public void A_live_vector_is_served_everywhere_an_item_vector_is_and_keeps_its_prior()
    {
        var model = RandomModel();
        var served = new ServingModel(model, new Dictionary<string, CatalogItem>(), new ServingOptions { QuantizedIndexFromItems = 1, PageIndexFromItems = 1 },
            DateTimeOffset.UnixEpoch, ownFactors: true);
        Assert.Throws<InvalidOperationException>(() => new ServingModel(model, new Dictionary<string, CatalogItem>(), new ServingOptions(), DateTimeOffset.UnixEpoch)
            .SetLive(0, new float[K], new LiveVectorInfo(1, 0)));
        static ItemNeighbours Scan(ServingModel m, int anchor)
        {
            var scores = new float[m.ItemCount];
            Scoring.ScoreAll(m.NormalizedFactors, m.Factors, m.NormalizedFactors.AsSpan(anchor * m.Factors, m.Factors), scores);
            scores[anchor] = float.NegativeInfinity;
            var rows = new int[10];
            var similarities = new float[10];
            TopK.Select(scores, rows, similarities);
            return new ItemNeighbours(rows, similarities, false);
        }
        const int anchor = 7, moved = 4_321, far = 99;
        var before = served.NeighboursOf(anchor, Scan);
        var unrelated = served.NeighboursOf(far, Scan);
        Assert.DoesNotContain(moved, before.Rows);
        var prior = served.FactorsOf(moved).ToArray();

        // The moved item takes the anchor's direction (twice its length): it becomes the anchor's nearest neighbour.
        var vector = served.FactorsOf(anchor).ToArray().Select(v => 2 * v).ToArray();
        served.SetLive(moved, vector, new LiveVectorInfo(12, 1_000));

        Assert.Equal(vector, served.FactorsOf(moved).ToArray());
        // The reranker's cosines from the raw rows see the new length too.
        Assert.Equal(1f / System.Numerics.Tensors.TensorPrimitives.Norm(vector), served.InverseNorms[moved]);
        Assert.Equal(prior, served.PriorOf(moved).ToArray());
        Assert.Equal(new LiveVectorInfo(12, 1_000), served.LiveOf(moved));
        Assert.Null(served.LiveOf(anchor));
        Assert.Equal(moved, served.NeighboursOf(anchor, Scan).Rows[0]);
        Assert.Same(unrelated, served.NeighboursOf(far, Scan)); // a list it does not enter is kept
        // The int8 index re-quantized the row: a user facing the anchor's way finds the moved item first.
        var indices = new int[5];
        var scores = new float[5];
        served.Index!.Search(vector, indices, scores);
        Assert.Equal(moved, indices[0]);
        Assert.Equal(model.ItemFactors.AsSpan(moved * K, K).ToArray(), prior); // the published model is untouched
    }

    [Fact]
    public void The_next_model_replaces_every_live_vector_and_a_catalog_refresh_keeps_them()
    {
        var provider = new ServingModelProvider(new ItemCatalog(), Microsoft.Extensions.Options.Options.Create(new ServingOptions()), TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ServingModelProvider>.Instance);
        var model = RandomModel();
        provider.Swap(model);
        Assert.False(provider.Current!.OwnsFactors);
        var vector = Enumerable.Repeat(0.5f, K).ToArray();
        provider.ApplyLive(new Personalization.Grains.Items.LiveItemVector("i3", 1, vector, 4, 10));
        Assert.True(provider.Current.OwnsFactors); // copied once, the published model untouched
        Assert.Equal(vector, provider.Current.FactorsOf(3).ToArray());
        Assert.NotEqual(vector, model.ItemFactors.AsSpan(3 * K, K).ToArray());
        // An older solve of the same item, another version's, or a bad vector changes nothing.
        provider.ApplyLive(new Personalization.Grains.Items.LiveItemVector("i3", 1, new float[K], 3, 20));
        provider.ApplyLive(new Personalization.Grains.Items.LiveItemVector("i3", 2, new float[K], 9, 20));
        provider.ApplyLive(new Personalization.Grains.Items.LiveItemVector("i3", 1, Enumerable.Repeat(float.NaN, K).ToArray(), 9, 20));
        Assert.Equal(vector, provider.Current.FactorsOf(3).ToArray());

        provider.Catalog.Set([new CatalogItem("new-title", "New", ["Drama"], [], DateTimeOffset.UnixEpoch)]);
        provider.RefreshCatalog();
        Assert.Equal(new LiveVectorInfo(4, 10), provider.Current.LiveOf(3));
        Assert.Equal(vector, provider.Current.FactorsOf(3).ToArray());

        var next = new FactorModel(2, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, K, 10f, 0.1f, model.ItemIds, model.ItemFactors, model.Gram,
            model.ItemPopularity, new Dictionary<string, double>());
        provider.Swap(next);
        Assert.Null(provider.Current.LiveOf(3));
        Assert.Equal(model.ItemFactors.AsSpan(3 * K, K).ToArray(), provider.Current.FactorsOf(3).ToArray());
        provider.ApplyLive(new Personalization.Grains.Items.LiveItemVector("i3", 1, vector, 5, 30)); // the old model's
        Assert.Null(provider.Current.LiveOf(3));
    }
}
