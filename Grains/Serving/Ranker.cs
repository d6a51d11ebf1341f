using System.Buffers;
using Personalization.Contracts;
using Personalization.Grains.Items;
using Personalization.Recommender;

namespace Personalization.Grains.Serving;

/// <summary>
/// Ranks the catalog for one user: scores every item once with the live vector (SIMD over contiguous
/// float32 factors, partial top-K), then fills the page's rows from that one score array, marking each
/// chosen item so no item shows twice on a page.
/// </summary>
public static class Ranker
{
    /// <summary>The <paramref name="count"/> best items not in <paramref name="exclude"/>.</summary>
    public static List<RecommendedItem> Recommend(ServingModel model, float[]? vector, IReadOnlySet<int> exclude, int count)
    {
        var buffer = ArrayPool<float>.Shared.Rent(model.ItemCount);
        try
        {
            var scores = buffer.AsSpan(0, model.ItemCount);
            Score(model, vector, scores);
            foreach (var row in exclude) scores[row] = float.NegativeInfinity;
            return Take(model, scores, count, vector is null ? "Popular with everyone" : "Picked for you");
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The home page: top picks, because you watched (the anchor), trending, then genre rows in order of
    /// the user's affinity.
    /// </summary>
    public static List<Row> HomePage(ServingModel model, float[]? vector, IReadOnlySet<int> exclude, int anchorRow,
        double[] genreAffinity, TrendingBoard trending, RowsRequest request)
    {
        var n = model.ItemCount;
        var rows = new List<Row>(request.Rows);
        var scoreBuffer = ArrayPool<float>.Shared.Rent(n);
        var workBuffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            // scores[row] = -inf marks "not on this page": already consumed, or already placed in a row.
            var scores = scoreBuffer.AsSpan(0, n);
            Score(model, vector, scores);
            foreach (var row in exclude) scores[row] = float.NegativeInfinity;

            void Add(Row row)
            {
                if (row.Items.Count == 0 || rows.Count >= request.Rows) return;
                rows.Add(row);
            }

            Add(new Row("top-picks", vector is null ? "Popular on the service" : "Top picks for you",
                TakeAndMark(model, scores, request.PerRow, vector is null ? "Popular with everyone" : "Picked for you")));

            if (anchorRow >= 0)
            {
                var similar = workBuffer.AsSpan(0, n);
                Scoring.ScoreAll(model.NormalizedFactors, model.Factors, model.NormalizedFactors.AsSpan(anchorRow * model.Factors, model.Factors), similar);
                for (var i = 0; i < n; i++) if (float.IsNegativeInfinity(scores[i])) similar[i] = float.NegativeInfinity;
                var title = model.Titles[anchorRow];
                var items = Take(model, similar, request.PerRow, $"Similar to {title}");
                Mark(model, scores, items);
                Add(new Row($"because-you-watched:{model.ItemId(anchorRow)}", $"Because you watched {title}", items));
            }

            Add(new Row("trending", "Trending now", Trending(model, scores, trending, request.PerRow)));

            var genreOrder = Enumerable.Range(0, model.Genres.Length)
                .OrderByDescending(g => genreAffinity[g]).ThenByDescending(g => model.GenrePopularity[g]).ThenBy(g => model.Genres[g], StringComparer.Ordinal);
            foreach (var genre in genreOrder)
            {
                if (rows.Count >= request.Rows) break;
                var members = model.GenreItems[genre];
                var local = workBuffer.AsSpan(0, members.Length);
                for (var i = 0; i < members.Length; i++) local[i] = scores[members[i]];
                var reason = genreAffinity[genre] > 0 ? $"Because you like {model.Genres[genre]}" : $"Popular in {model.Genres[genre]}";
                var items = Take(model, local, request.PerRow, reason, members);
                Mark(model, scores, items);
                Add(new Row($"genre:{model.Genres[genre]}", model.Genres[genre], items));
            }
            return rows;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scoreBuffer);
            ArrayPool<float>.Shared.Return(workBuffer);
        }
    }

    /// <summary>Scores with the user's vector, or by popularity when the user has none.</summary>
    public static void Score(ServingModel model, float[]? vector, Span<float> scores)
    {
        if (vector is null) model.PopularityScores.AsSpan().CopyTo(scores);
        else Scoring.ScoreAll(model.Model.ItemFactors, model.Factors, vector, scores);
    }

    private static List<RecommendedItem> Trending(ServingModel model, Span<float> scores, TrendingBoard trending, int count)
    {
        var items = new List<RecommendedItem>(count);
        foreach (var (itemId, score) in trending.Top(count * 4 + 50))
        {
            if (items.Count >= count) break;
            var row = model.RowOf(itemId);
            if (row < 0 || float.IsNegativeInfinity(scores[row])) continue;
            items.Add(new RecommendedItem(itemId, model.Titles[row], (float)score, "Trending now"));
            scores[row] = float.NegativeInfinity;
        }
        if (items.Count < count)
        {
            // Too little live activity yet: fill with what was popular in the training data.
            var buffer = ArrayPool<float>.Shared.Rent(model.ItemCount);
            try
            {
                var popular = buffer.AsSpan(0, model.ItemCount);
                model.PopularityScores.AsSpan().CopyTo(popular);
                for (var i = 0; i < popular.Length; i++) if (float.IsNegativeInfinity(scores[i])) popular[i] = float.NegativeInfinity;
                var fill = Take(model, popular, count - items.Count, "Popular lately");
                Mark(model, scores, fill);
                items.AddRange(fill);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
        return items;
    }

    private static List<RecommendedItem> TakeAndMark(ServingModel model, Span<float> scores, int count, string reason)
    {
        var items = Take(model, scores, count, reason);
        Mark(model, scores, items);
        return items;
    }

    private static void Mark(ServingModel model, Span<float> scores, List<RecommendedItem> items)
    {
        foreach (var item in items) scores[model.RowOf(item.ItemId)] = float.NegativeInfinity;
    }

    /// <summary>Top <paramref name="count"/> of <paramref name="scores"/>; positions map to model rows through <paramref name="rows"/> when given.</summary>
    private static List<RecommendedItem> Take(ServingModel model, ReadOnlySpan<float> scores, int count, string reason, int[]? rows = null)
    {
        var indexBuffer = ArrayPool<int>.Shared.Rent(count);
        var scoreBuffer = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var found = TopK.Select(scores, indexBuffer.AsSpan(0, count), scoreBuffer.AsSpan(0, count));
            var items = new List<RecommendedItem>(found);
            for (var i = 0; i < found; i++)
            {
                var row = rows is null ? indexBuffer[i] : rows[indexBuffer[i]];
                items.Add(new RecommendedItem(model.ItemId(row), model.Titles[row], scoreBuffer[i], reason));
            }
            return items;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(indexBuffer);
            ArrayPool<float>.Shared.Return(scoreBuffer);
        }
    }
}
