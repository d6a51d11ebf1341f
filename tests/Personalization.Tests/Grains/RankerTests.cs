using Personalization.Grains.Serving;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Tests.Grains;

/// <summary>The serving ranker's two retrieval paths agree.</summary>
public sealed class RankerTests
{
    internal const int Items = 5_000, K = 32;

    /// <summary>Uniform random factors, or items around <paramref name="clusters"/> random centres with log-normal lengths.</summary>
    internal static FactorModel RandomModel(int clusters = 0)
    {
        var random = new Random(3);
        var factors = new float[Items * K];
        for (var i = 0; i < factors.Length; i++) factors[i] = (float)(random.NextDouble() * 2 - 1);
        if (clusters > 0)
        {
            var centres = factors[..(clusters * K)];
            for (var item = 0; item < Items; item++)
            {
                var centre = random.Next(clusters);
                var length = (float)Math.Exp(random.NextDouble() - 0.5);
                for (var d = 0; d < K; d++) factors[item * K + d] = length * (centres[centre * K + d] + 0.3f * factors[item * K + d]);
            }
        }
        var popularity = Enumerable.Range(0, Items).Select(i => (float)(1000.0 / (1 + i))).ToArray();
        return new FactorModel(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, K, 10f, 0.1f,
            Enumerable.Range(0, Items).Select(i => $"i{i}").ToArray(), factors, GramMatrix.Compute(factors, Items, K), popularity, new Dictionary<string, double>());
    }

    [Fact]
    public void The_int8_index_path_returns_what_scoring_every_item_returns()
    {
        var model = RandomModel();
        var catalog = new Dictionary<string, CatalogItem>();
        var full = new ServingModel(model, catalog, new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch);
        var indexed = new ServingModel(model, catalog, new ServingOptions { QuantizedIndexFromItems = 1, PageIndexFromItems = 1 }, DateTimeOffset.UnixEpoch);
        Assert.Null(full.Index);
        Assert.NotNull(indexed.Index);
        Assert.Same(indexed.Index, indexed.PageIndex);

        var random = new Random(9);
        for (var user = 0; user < 20; user++)
        {
            var vector = Enumerable.Range(0, K).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var exclude = Enumerable.Range(0, 30).Select(_ => random.Next(Items)).ToHashSet();
            var expected = Ranker.Recommend(full, vector, exclude, 20, seed: (ulong)user);
            var actual = Ranker.Recommend(indexed, vector, exclude, 20, seed: (ulong)user);
            Assert.Equal(expected.Select(i => i.ItemId), actual.Select(i => i.ItemId));
            Assert.Equal(expected.Select(i => i.Score), actual.Select(i => i.Score));
            Assert.Equal(expected.Select(i => i.Reason), actual.Select(i => i.Reason));
            Assert.DoesNotContain(actual, i => exclude.Contains(int.Parse(i.ItemId[1..])));
        }
    }

    [Fact]
    public void The_home_page_from_int8_estimates_keeps_the_full_pages_rows()
    {
        var options = new ServingOptions { QuantizedIndexFromItems = 1, PageIndexFromItems = int.MaxValue };
        double topHits = 0, topTotal = 0;
        foreach (var (expected, actual, serving) in FullAndOtherPages(options, seed: 12))
        {
            Assert.NotNull(serving.Index);
            Assert.Null(serving.PageIndex);
            // Because you watched does not use the user's scores, but it skips what the rows above it show, and top picks
            // from estimates may differ by a near-tie: past the items either page shows above it, the same list.
            var similar = expected.FindIndex(r => r.Id.StartsWith("because-you-watched", StringComparison.Ordinal));
            Assert.Equal(expected[similar].Id, actual[similar].Id);
            var above = expected.Take(similar).Concat(actual.Take(similar)).SelectMany(r => r.Items).Select(i => i.ItemId).ToHashSet();
            var expectedRest = Row(expected, expected[similar].Id).Where(id => !above.Contains(id)).ToList();
            var actualRest = Row(actual, actual[similar].Id).Where(id => !above.Contains(id)).ToList();
            var shared = Math.Min(expectedRest.Count, actualRest.Count);
            Assert.Equal(expectedRest.Take(shared), actualRest.Take(shared));
            var shownAboveInOneOnly = above.Count - expected.Take(similar).SelectMany(r => r.Items).Count();
            Assert.True(shared >= expected[similar].Items.Count - shownAboveInOneOnly, $"{shared} of {expected[similar].Items.Count} compared");
            Assert.Equal(Row(expected, "trending"), Row(actual, "trending"));
            // Top picks from estimates: near-ties may swap, so nearly the same items.
            var top = Row(expected, "top-picks").ToHashSet();
            topHits += Row(actual, "top-picks").Count(top.Contains);
            topTotal += top.Count;
        }
        Assert.True(topHits / topTotal >= 0.9, $"top picks overlap {topHits / topTotal:F3}");
    }

    [Fact]
    public void The_home_page_from_index_candidates_matches_the_full_page()
    {
        var options = new ServingOptions { QuantizedIndexFromItems = 1, PageIndexFromItems = 1 };
        double similarHits = 0, similarTotal = 0;
        foreach (var (expected, actual, _) in FullAndOtherPages(options, seed: 11))
        {
            // Top picks come from the 200 best, all among the index's 4,000 candidates with exact scores: the same list.
            Assert.Equal(Row(expected, "top-picks"), Row(actual, "top-picks"));
            // Trending (here: popularity fill) does not depend on the user's scores.
            Assert.Equal(Row(expected, "trending"), Row(actual, "trending"));
            // Because you watched: exact cosine over the index's oversampled candidates, so nearly the same neighbours.
            var similar = expected.Single(r => r.Id.StartsWith("because-you-watched", StringComparison.Ordinal)).Items.Select(i => i.ItemId).ToHashSet();
            var found = actual.Single(r => r.Id.StartsWith("because-you-watched", StringComparison.Ordinal)).Items.Select(i => i.ItemId);
            similarHits += found.Count(similar.Contains);
            similarTotal += similar.Count;
        }
        Assert.True(similarHits / similarTotal >= 0.9, $"because-you-watched recall {similarHits / similarTotal:F3}");
    }

    [Fact]
    public void The_home_page_through_the_inverted_file_matches_the_full_page()
    {
        // 5,000 items in 71 lists: the page's 4,000 candidates probe nearly every list, so the rows must agree with the
        // full scan's; genre rows come from the candidates instead of every member.
        var options = new ServingOptions { QuantizedIndexFromItems = 1, PageIndexFromItems = 1, InvertedIndexFromItems = 1, InvertedIndexAlwaysFromItems = 1 };
        var genreRows = 0;
        foreach (var (expected, actual, serving) in FullAndOtherPages(options, seed: 13, GenreCatalog()))
        {
            Assert.NotNull(serving.InvertedIndex);
            Assert.Same(serving.InvertedIndex, serving.PageIndex);
            Assert.Equal(Row(expected, "top-picks"), Row(actual, "top-picks"));
            Assert.Equal(Row(expected, "trending"), Row(actual, "trending"));
            foreach (var genre in expected.Where(r => r.Id.StartsWith("genre:", StringComparison.Ordinal)))
            {
                Assert.Equal(genre.Items.Select(i => i.ItemId), Row(actual, genre.Id));
                genreRows++;
            }
        }
        Assert.True(genreRows >= 10, $"{genreRows} genre rows compared");
    }

    [Fact]
    public void Recommendations_through_the_inverted_file_are_the_full_scans()
    {
        var model = RandomModel(clusters: 50);
        var full = new ServingModel(model, new Dictionary<string, CatalogItem>(), new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch);
        var inverted = new ServingModel(model, new Dictionary<string, CatalogItem>(), new ServingOptions { QuantizedIndexFromItems = 1, InvertedIndexFromItems = 1, InvertedIndexAlwaysFromItems = 1 }, DateTimeOffset.UnixEpoch);
        // Calibrated on sample users (fold-ins of histories drawn by popularity) for the reranker's pool of 200.
        Assert.True(inverted.IndexCalibration is { K: 200, Recall: >= 0.9 }, $"{inverted.IndexCalibration}");
        Assert.NotNull(inverted.InvertedIndex);
        Assert.Same(inverted.InvertedIndex, inverted.SearchIndex);
        var random = new Random(14);
        double hits = 0;
        for (var user = 0; user < 20; user++)
        {
            // A user who liked a few items: the sum of their vectors.
            var liked = Enumerable.Range(0, 3).Select(_ => random.Next(Items)).ToArray();
            var vector = Enumerable.Range(0, K).Select(d => liked.Sum(r => model.ItemFactors[r * K + d])).ToArray();
            var exclude = liked.ToHashSet();
            var expected = Ranker.Recommend(full, vector, exclude, 20, seed: (ulong)user).Select(i => i.ItemId).ToHashSet();
            var actual = Ranker.Recommend(inverted, vector, exclude, 20, seed: (ulong)user);
            Assert.DoesNotContain(actual, i => exclude.Contains(int.Parse(i.ItemId[1..])));
            hits += actual.Count(i => expected.Contains(i.ItemId));
        }
        // Taste clusters, as trained factors have (uniform noise has none to find: the inverted file's worst case).
        Assert.True(hits / (20 * 20) >= 0.95, $"overlap {hits / 400:F3}");
    }

    [Fact]
    public void A_model_whose_inverted_file_misses_the_target_recall_is_served_by_the_flat_scan_unless_the_catalog_is_too_large_for_it()
    {
        // Uniform noise: no clusters for the lists to follow.
        var model = RandomModel();
        var missed = new ServingModel(model, new Dictionary<string, CatalogItem>(), new ServingOptions { QuantizedIndexFromItems = 1, InvertedIndexFromItems = 1 }, DateTimeOffset.UnixEpoch);
        Assert.True(missed.IndexCalibration is { Reached: false }, $"{missed.IndexCalibration}");
        Assert.Null(missed.InvertedIndex);
        Assert.Same(missed.Index, missed.SearchIndex);

        var forced = new ServingModel(model, new Dictionary<string, CatalogItem>(),
            new ServingOptions { QuantizedIndexFromItems = 1, InvertedIndexFromItems = 1, InvertedIndexAlwaysFromItems = 1 }, DateTimeOffset.UnixEpoch);
        Assert.NotNull(forced.InvertedIndex);
        Assert.Same(forced.InvertedIndex, forced.SearchIndex);

        // The same model over a copy of its factors (the first live vector) keeps the lists and the calibration.
        var copied = new ServingModel(model, new Dictionary<string, CatalogItem>(),
            new ServingOptions { QuantizedIndexFromItems = 1, InvertedIndexFromItems = 1, InvertedIndexAlwaysFromItems = 1 }, DateTimeOffset.UnixEpoch, forced, ownFactors: true);
        Assert.NotSame(forced.ItemFactors, copied.ItemFactors);
        Assert.Same(forced.IndexCalibration, copied.IndexCalibration);
        Assert.NotNull(copied.InvertedIndex);
        Assert.Equal(forced.InvertedIndex!.ListCount, copied.InvertedIndex!.ListCount);
    }

    [Fact]
    public void Genre_rows_follow_affinity_then_popularity()
    {
        // Eight genres; ties in affinity (0.5 twice, 0 four times) leave the order to the genres' popularity.
        var serving = new ServingModel(RandomModel(), GenreCatalog(), new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch);
        var trending = new Personalization.Grains.Items.TrendingBoard(Microsoft.Extensions.Options.Options.Create(new Personalization.Grains.Items.TrendingOptions()));
        var affinity = serving.Genres.Select(g => g switch { "G3" => 0.9, "G1" or "G6" => 0.5, "G7" => 0.2, _ => 0.0 }).ToArray();
        var vector = Enumerable.Range(0, K).Select(d => d % 2 == 0 ? 0.5f : -0.25f).ToArray();
        var page = new UserPage(vector, new HashSet<int>(), [], -1, [], [1f]) { GenreAffinity = affinity };

        var rows = Ranker.HomePage(serving, page, trending, new Personalization.Contracts.RowsRequest(20, 5, "tv", 20), PageLayout.PartOf(20), 1);

        var expected = Enumerable.Range(0, serving.Genres.Length)
            .OrderByDescending(g => affinity[g]).ThenByDescending(g => serving.GenrePopularity[g]).ThenBy(g => serving.Genres[g], StringComparer.Ordinal)
            .Select(g => $"genre:{serving.Genres[g]}");
        Assert.Equal(expected, rows.Where(r => r.Id.StartsWith("genre:", StringComparison.Ordinal)).Select(r => r.Id));
        Assert.Equal("genre:G3", rows.First(r => r.Id.StartsWith("genre:", StringComparison.Ordinal)).Id);
    }

    private static Dictionary<string, CatalogItem> GenreCatalog() => Enumerable.Range(0, Items).ToDictionary(
        i => $"i{i}", i => new CatalogItem($"i{i}", $"Title {i}", [$"G{i % 5}", $"G{i % 3 + 5}"], [], DateTimeOffset.UnixEpoch));

    /// <summary>
    /// Ten random users' home pages from the exact full scan and from a serving model built with <paramref name="options"/>;
    /// checks what must hold on every page (the same rows, nothing excluded, no item twice) before yielding the pair.
    /// </summary>
    private static IEnumerable<(List<Personalization.Contracts.Row> Expected, List<Personalization.Contracts.Row> Actual, ServingModel Serving)> FullAndOtherPages(
        ServingOptions options, int seed, Dictionary<string, CatalogItem>? catalog = null)
    {
        var model = RandomModel();
        catalog ??= [];
        var full = new ServingModel(model, catalog, new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch);
        var other = new ServingModel(model, catalog, options, DateTimeOffset.UnixEpoch);
        var trending = new Personalization.Grains.Items.TrendingBoard(Microsoft.Extensions.Options.Options.Create(new Personalization.Grains.Items.TrendingOptions()));
        var random = new Random(seed);
        for (var user = 0; user < 10; user++)
        {
            var vector = Enumerable.Range(0, K).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
            var exclude = Enumerable.Range(0, 30).Select(_ => random.Next(Items)).ToHashSet();
            var affinity = other.Genres.Select(_ => random.NextDouble()).ToArray();
            var page = new UserPage(vector, exclude, [], exclude.First(), [], [1f]) { GenreAffinity = affinity };
            var request = new Personalization.Contracts.RowsRequest(6, 20, "tv", 20);
            var expected = Ranker.HomePage(full, page, trending, request, PageLayout.PartOf(20), (ulong)user);
            var actual = Ranker.HomePage(other, page, trending, request, PageLayout.PartOf(20), (ulong)user);
            Assert.Equal(expected.Select(r => r.Id), actual.Select(r => r.Id));
            Assert.All(actual.SelectMany(r => r.Items), i => Assert.DoesNotContain(int.Parse(i.ItemId[1..]), exclude));
            Assert.Equal(actual.SelectMany(r => r.Items).Count(), actual.SelectMany(r => r.Items).Select(i => i.ItemId).Distinct().Count());
            yield return (expected, actual, other);
        }
    }

    private static IEnumerable<string> Row(List<Personalization.Contracts.Row> rows, string id) => rows.Single(r => r.Id == id).Items.Select(i => i.ItemId);

    [Theory]
    [InlineData(30)]   // most of the anchor's kept neighbours are still there: the row comes from the list
    [InlineData(250)]  // the user saw nearly all of them: the whole catalog is scored
    public void Because_you_watched_is_the_nearest_unseen_items_with_or_without_the_kept_list(int seenNeighbours)
    {
        var serving = new ServingModel(RandomModel(), new Dictionary<string, CatalogItem>(), new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch);
        var trending = new Personalization.Grains.Items.TrendingBoard(Microsoft.Extensions.Options.Options.Create(new Personalization.Grains.Items.TrendingOptions()));
        const int anchor = 42;
        var cosine = Cosines(serving, anchor);
        var nearest = Enumerable.Range(0, Items).Where(r => r != anchor).OrderByDescending(r => cosine[r]).ToList();
        var exclude = nearest.Take(seenNeighbours).Append(anchor).ToHashSet();
        var page = new UserPage(Enumerable.Range(0, K).Select(i => (float)Math.Sin(i)).ToArray(), exclude, [], anchor, [], [1f]);
        var request = new Personalization.Contracts.RowsRequest(6, 20, "tv", 20);

        for (var call = 0; call < 2; call++) // the first computes the list, the second reads it
        {
            var rows = Ranker.HomePage(serving, page, trending, request, PageLayout.PartOf(20), seed: 5);
            var at = rows.FindIndex(r => r.Id.StartsWith("because-you-watched", StringComparison.Ordinal));
            Assert.True(at >= 0);
            var placedBefore = rows.Take(at).SelectMany(r => r.Items).Select(i => int.Parse(i.ItemId[1..])).ToHashSet();
            var expected = nearest.Where(r => !exclude.Contains(r) && !placedBefore.Contains(r)).Take(20).Select(r => $"i{r}");
            Assert.Equal(expected, rows[at].Items.Select(i => i.ItemId));
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(20)]
    [InlineData(200)]
    [InlineData(300)] // longer than the kept list: the catalog is scored
    public void Similar_items_are_the_catalogs_nearest_by_cosine_before_and_after_a_live_vector(int count)
    {
        var serving = new ServingModel(RandomModel(clusters: 40), new Dictionary<string, CatalogItem>(),
            new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, DateTimeOffset.UnixEpoch, ownFactors: true);
        const int anchor = 42, moved = 4_321;
        void AssertNearest()
        {
            var cosine = Cosines(serving, anchor);
            var nearest = Enumerable.Range(0, Items).Where(r => r != anchor).OrderByDescending(r => cosine[r]).ThenBy(r => r).Take(count).ToList();
            for (var call = 0; call < 2; call++) // the first keeps the list, the second reads it
            {
                var similar = Ranker.SimilarItems(serving, anchor, count);
                Assert.Equal(nearest.Select(r => $"i{r}"), similar.Select(i => i.ItemId));
                Assert.Equal(nearest.Select(r => cosine[r]), similar.Select(i => i.Score));
                Assert.All(similar, i => Assert.Equal("Similar to i42", i.Reason));
            }
        }
        AssertNearest();
        Assert.DoesNotContain($"i{moved}", Ranker.SimilarItems(serving, anchor, 1).Select(i => i.ItemId));
        // The moved item takes the anchor's direction: the kept list is dropped, and it is now the nearest.
        serving.SetLive(moved, serving.FactorsOf(anchor).ToArray().Select(v => 3 * v).ToArray(), new LiveVectorInfo(5, 100));
        Assert.Equal($"i{moved}", Ranker.SimilarItems(serving, anchor, 1)[0].ItemId);
        AssertNearest();
    }

    [Fact]
    public void Similar_items_of_a_catalog_smaller_than_the_list_are_every_other_item()
    {
        var model = RandomModel();
        var few = new FactorModel(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, K, 10f, 0.1f, model.ItemIds[..30], model.ItemFactors[..(30 * K)],
            GramMatrix.Compute(model.ItemFactors[..(30 * K)], 30, K), model.ItemPopularity[..30], new Dictionary<string, double>());
        var serving = new ServingModel(few, new Dictionary<string, CatalogItem>(), new ServingOptions(), DateTimeOffset.UnixEpoch);
        var similar = Ranker.SimilarItems(serving, 3, 200);
        Assert.Equal(29, similar.Count);
        Assert.DoesNotContain(similar, i => i.ItemId == "i3");
        Assert.Equal(similar.OrderByDescending(i => i.Score).Select(i => i.ItemId), similar.Select(i => i.ItemId));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    public void New_for_you_is_the_new_items_by_genre_match_then_score_then_newest(int perRow)
    {
        // Items added one to forty days ago (the window is 30), two genres each of twelve: many share a match exactly,
        // so the user's score and then the date decide among them.
        var model = RandomModel();
        var now = DateTimeOffset.UnixEpoch.AddYears(50);
        var catalog = model.ItemIds.Select((id, i) => new CatalogItem(id, $"Title {i}", [$"G{i % 7}", $"G{i / 7 % 5 + 7}"], [], now.AddDays(-(i % 40) - 1)))
            .ToDictionary(item => item.ItemId, StringComparer.Ordinal);
        var serving = new ServingModel(model, catalog, new ServingOptions { QuantizedIndexFromItems = int.MaxValue }, now);
        var trending = new Personalization.Grains.Items.TrendingBoard(Microsoft.Extensions.Options.Options.Create(new Personalization.Grains.Items.TrendingOptions()));
        var random = new Random(21);
        var vector = Enumerable.Range(0, K).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var affinity = Enumerable.Range(0, serving.Genres.Length).Select(_ => random.NextDouble()).ToArray();
        var exclude = Enumerable.Range(0, 50).Select(_ => serving.NewItems[random.Next(serving.NewItems.Length)]).ToHashSet();
        var page = new UserPage(vector, exclude, [], -1, affinity, [1f]);

        var rows = Ranker.HomePage(serving, page, trending, new Personalization.Contracts.RowsRequest(10, perRow, "tv", 8), PageLayout.PartOf(8), seed: 3);
        var at = rows.FindIndex(r => r.Id == PageLayout.NewForYou);
        Assert.True(at >= 0);
        var placedBefore = rows.Take(at).SelectMany(r => r.Items).Select(i => serving.RowOf(i.ItemId)).ToHashSet();
        var scores = new float[serving.ItemCount];
        Scoring.ScoreAll(serving.ItemFactors, K, vector, scores);
        var norm = Math.Sqrt(affinity.Sum(a => a * a));
        double Match(int row) => serving.ItemGenres[row].Sum(g => affinity[g]) / (norm * Math.Sqrt(serving.ItemGenres[row].Length));
        var expected = serving.NewItems.Where(r => !exclude.Contains(r) && !placedBefore.Contains(r))
            .OrderByDescending(Match).ThenByDescending(r => scores[r]).ThenByDescending(r => serving.AddedAt[r]).ThenBy(r => r)
            .Take(perRow).ToList();
        Assert.Equal(serving.NewItems.Length, new ServingOptions().MaxNewItems);
        Assert.Equal(expected.Select(serving.ItemId), rows[at].Items.Select(i => i.ItemId));
        Assert.Equal(expected.Select(r => (float)Match(r)), rows[at].Items.Select(i => i.Score));
    }

    private static float[] Cosines(ServingModel model, int anchor)
    {
        var scores = new float[model.ItemCount];
        Scoring.ScoreAll(model.NormalizedFactors, model.Factors, model.NormalizedFactors.AsSpan(anchor * model.Factors, model.Factors), scores);
        return scores;
    }
}
