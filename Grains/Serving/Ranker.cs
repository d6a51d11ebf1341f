using System.Buffers;
using Personalization.Contracts;
using Personalization.Grains.Items;
using Personalization.Recommender;
using Personalization.Recommender.Reranking;

namespace Personalization.Grains.Serving;

/// <summary>
/// Ranks the catalog for one user: scores every item once with the live vector (SIMD over contiguous
/// float32 factors, partial top-K), then fills the page's rows from that one score array, marking each
/// chosen item so no item shows twice on a page.
/// </summary>
public static class Ranker
{
    /// <summary>The <paramref name="count"/> best items not in <paramref name="exclude"/>.</summary>
    /// <param name="model">The serving index.</param>
    /// <param name="vector">The user's live vector, or null for a cold user (popularity).</param>
    /// <param name="exclude">Rows never to return.</param>
    /// <param name="count">List length.</param>
    /// <param name="seed">Seed of the exploration draws (stable per user and hour, see <see cref="SeedFor"/>).</param>
    /// <param name="ranking">The list's beyond-accuracy settings (an experiment's variant), or null for the model's <see cref="ServingModel.Ranking"/>.</param>
    public static List<RecommendedItem> Recommend(ServingModel model, float[]? vector, IReadOnlySet<int> exclude, int count, ulong seed, RankingSettings? ranking = null)
    {
        ranking ??= model.Ranking;
        if (vector is not null && model.SearchIndex is { } index)
            return RecommendFromIndex(model, index, vector, exclude, count, seed, ranking);
        var buffer = ArrayPool<float>.Shared.Rent(model.ItemCount);
        try
        {
            var scores = buffer.AsSpan(0, model.ItemCount);
            Score(model, vector, scores);
            foreach (var row in exclude) scores[row] = float.NegativeInfinity;
            return Pick(model, scores, count, vector is null ? "Popular with everyone" : "Picked for you", seed, ranking);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The home page: Continue watching, Top picks, Because you watched, Trending now, New for you and genre rows by
    /// the user's affinity, in the order and sizes the context (<see cref="PageLayout"/>) gives. Rows are filled in
    /// page order from one score array, each placed item marked so no item shows twice.
    /// </summary>
    /// <param name="model">The serving index.</param>
    /// <param name="user">The user's page inputs.</param>
    /// <param name="trending">Live trending counts.</param>
    /// <param name="request">Rows, sizes and context asked for.</param>
    /// <param name="dayPart">The part of the day, which orders the rows.</param>
    /// <param name="seed">Seed of the exploration draws.</param>
    /// <param name="ranking">Beyond-accuracy settings of Top picks (an experiment's variant), or null for the model's.</param>
    public static List<Row> HomePage(ServingModel model, UserPage user, TrendingBoard trending, RowsRequest request, DayPart dayPart, ulong seed,
        RankingSettings? ranking = null)
    {
        ranking ??= model.Ranking;
        var n = model.ItemCount;
        var (maxRows, perRow) = PageLayout.Fit(request.Device, request.Rows, request.PerRow);
        var rows = new List<Row>(maxRows);
        var scoreBuffer = ArrayPool<float>.Shared.Rent(n);
        var workBuffer = ArrayPool<float>.Shared.Rent(n);
        int[]? candidateBuffer = null;
        var candidates = 0;
        try
        {
            // scores[row] = -inf marks "not on this page": consumed, disliked, in progress, or already placed. On a large
            // catalog only the index's best candidates get a score; the rest hold NotCandidate.
            var scores = scoreBuffer.AsSpan(0, n);
            if (user.Vector is not null && model.PageIndex is { } index)
                candidates = CandidateScores(model, index, user.Vector, user.Exclude, scores, candidateBuffer = ArrayPool<int>.Shared.Rent(PageCandidates));
            // Mid-sized catalogs: every item's int8 estimate, a quarter of the bytes of the exact scan, which was a
            // quarter of a page's CPU at 20,000 items; near-ties may swap, nothing else moves.
            else if (user.Vector is not null && model.Index is { } estimates) estimates.EstimateAll(user.Vector, scores);
            else Score(model, user.Vector, scores);
            foreach (var row in user.Exclude) scores[row] = float.NegativeInfinity;
            foreach (var (row, _) in user.InProgress) scores[row] = float.NegativeInfinity;

            void Add(Row row)
            {
                if (row.Items.Count > 0 && rows.Count < maxRows) rows.Add(row);
            }

            foreach (var kind in PageLayout.Order(dayPart))
            {
                if (rows.Count >= maxRows) break;
                switch (kind)
                {
                    case PageLayout.ContinueWatching:
                        Add(new Row(kind, "Continue watching", ContinueWatching(model, user, perRow)));
                        break;
                    case PageLayout.TopPicks:
                        Add(new Row(kind, user.Vector is null ? "Popular on the service" : "Top picks for you",
                            candidateBuffer is not null ? PickFromCandidates(model, scores, candidateBuffer.AsSpan(0, candidates), perRow, seed, ranking)
                            : Pick(model, scores, perRow, user.Vector is null ? "Popular with everyone" : "Picked for you", seed, ranking, placed: scores)));
                        break;
                    case PageLayout.BecauseYouWatched when user.Anchor >= 0:
                        Add(BecauseYouWatched(model, scores, workBuffer.AsSpan(0, n), user.Anchor, perRow));
                        break;
                    case PageLayout.Trending:
                        Add(new Row(kind, "Trending now", Trending(model, scores, trending, perRow)));
                        break;
                    case PageLayout.NewForYou:
                        Add(NewForYou(model, scores, user, perRow));
                        break;
                    case PageLayout.Genres:
                        GenreRows(model, scores, workBuffer, candidateBuffer is null ? (ArraySegment<int>?)null : new ArraySegment<int>(candidateBuffer, 0, candidates),
                            user.GenreAffinity, perRow, rows, maxRows);
                        break;
                }
            }
            return rows;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scoreBuffer);
            ArrayPool<float>.Shared.Return(workBuffer);
            if (candidateBuffer is not null) ArrayPool<int>.Shared.Return(candidateBuffer);
        }
    }

    private static List<RecommendedItem> ContinueWatching(ServingModel model, UserPage user, int count)
    {
        var items = new List<RecommendedItem>(Math.Min(count, user.InProgress.Count));
        foreach (var (row, progress) in user.InProgress)
        {
            if (items.Count >= count) break;
            var reason = progress >= 60 ? $"Resume at {Math.Floor(progress / 60):0} min" : "You started this";
            items.Add(new RecommendedItem(model.ItemId(row), model.Titles[row], items.Count == 0 ? 1f : 1f / (items.Count + 1), reason));
        }
        return items;
    }

    /// <summary>Neighbours kept per anchor: enough for a row after the user's own items and the rows above are skipped.</summary>
    private const int NeighbourListLength = 256;

    private static Row BecauseYouWatched(ServingModel model, Span<float> scores, Span<float> similar, int anchor, int count)
    {
        var title = model.Titles[anchor];
        var reason = $"Similar to {title}";
        var neighbours = model.NeighboursOf(anchor, Neighbours);
        var items = new List<RecommendedItem>(count);
        Span<int> taken = count <= 256 ? stackalloc int[count] : new int[count];
        for (var i = 0; i < neighbours.Rows.Length && items.Count < count; i++)
        {
            var row = neighbours.Rows[i];
            if (float.IsNegativeInfinity(scores[row])) continue;
            taken[items.Count] = row;
            items.Add(new RecommendedItem(model.ItemId(row), model.Titles[row], neighbours.Similarities[i], reason));
        }
        // A heavy user may have seen most of the list: then the whole catalog is scored, as without it.
        if (items.Count < count && !neighbours.Complete) items = SimilarByScoring(model, scores, similar, anchor, count, reason);
        else foreach (var row in taken[..items.Count]) scores[row] = float.NegativeInfinity;
        return new Row($"{PageLayout.BecauseYouWatched}:{model.ItemId(anchor)}", $"Because you watched {title}", items);
    }

    /// <summary>
    /// The <paramref name="count"/> items most similar to <paramref name="anchor"/> (cosine of the item vectors, live
    /// ones included), best first. They come from the anchor's kept neighbour list, the one Because you watched reads.
    /// Only the first request for an anchor scores the catalog; later ones read the list. Live vectors drop the lists
    /// they change (<see cref="ServingModel.SetLive"/>).
    /// </summary>
    /// <param name="model">The serving index.</param>
    /// <param name="anchor">The item's row.</param>
    /// <param name="count">List length (a list longer than the kept one scores the catalog).</param>
    public static List<RecommendedItem> SimilarItems(ServingModel model, int anchor, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(anchor);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(anchor, model.ItemCount);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var reason = $"Similar to {model.Titles[anchor]}";
        var neighbours = model.NeighboursOf(anchor, Neighbours);
        if (neighbours.Rows.Length < count && !neighbours.Complete)
        {
            var buffer = ArrayPool<float>.Shared.Rent(model.ItemCount);
            try
            {
                var similar = buffer.AsSpan(0, model.ItemCount);
                ScoreSimilarity(model, anchor, similar);
                return Take(model, similar, count, reason);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
        var length = Math.Min(count, neighbours.Rows.Length);
        var items = new List<RecommendedItem>(length);
        for (var i = 0; i < length; i++)
            items.Add(new RecommendedItem(model.ItemId(neighbours.Rows[i]), model.Titles[neighbours.Rows[i]], neighbours.Similarities[i], reason));
        return items;
    }

    /// <summary>The <see cref="NeighbourListLength"/> items most similar to <paramref name="anchor"/>.</summary>
    private static ItemNeighbours Neighbours(ServingModel model, int anchor)
    {
        if (model.PageIndex is { } index) return IndexedNeighbours(model, index, anchor);
        var n = model.ItemCount;
        var buffer = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var similar = buffer.AsSpan(0, n);
            ScoreSimilarity(model, anchor, similar);
            var rows = new int[Math.Min(NeighbourListLength, n)];
            var similarities = new float[rows.Length];
            var found = TopK.Select(similar, rows, similarities);
            var kept = 0;
            while (kept < found && similarities[kept] > NotCandidate) kept++;
            return new ItemNeighbours(rows[..kept], similarities[..kept], Complete: kept < rows.Length);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Large catalogs: the index's candidates for the anchor's direction ranked by exact cosine, with no pass over the
    /// catalog. Not complete: items beyond the candidates exist, so a page that runs out scores them all.
    /// </summary>
    private static ItemNeighbours IndexedNeighbours(ServingModel model, IItemIndex index, int anchor)
    {
        var k = model.Factors;
        var query = model.NormalizedFactors.AsSpan(anchor * k, k);
        var pool = Math.Min(PageCandidates / 2, model.ItemCount);
        var rows = ArrayPool<int>.Shared.Rent(pool);
        var cosines = ArrayPool<float>.Shared.Rent(pool);
        try
        {
            var found = index.Search(query, rows.AsSpan(0, pool), cosines.AsSpan(0, pool), [anchor], candidates: pool);
            for (var i = 0; i < found; i++)
                cosines[i] = System.Numerics.Tensors.TensorPrimitives.Dot(model.NormalizedFactors.AsSpan(rows[i] * k, k), query);
            var top = new int[Math.Min(NeighbourListLength, found)];
            var similarities = new float[top.Length];
            var kept = TopK.Select(cosines.AsSpan(0, found), top, similarities);
            for (var i = 0; i < kept; i++) top[i] = rows[top[i]];
            return new ItemNeighbours(top[..kept], similarities[..kept], Complete: false);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(cosines);
        }
    }

    private static List<RecommendedItem> SimilarByScoring(ServingModel model, Span<float> scores, Span<float> similar, int anchor, int count, string reason)
    {
        ScoreSimilarity(model, anchor, similar);
        for (var i = 0; i < similar.Length; i++) if (float.IsNegativeInfinity(scores[i])) similar[i] = float.NegativeInfinity;
        return Take(model, similar, count, reason, placed: scores);
    }

    /// <summary>Every item's cosine to <paramref name="anchor"/> (from the index's candidates on a large catalog); the anchor itself is out.</summary>
    private static void ScoreSimilarity(ServingModel model, int anchor, Span<float> similar)
    {
        var query = model.NormalizedFactors.AsSpan(anchor * model.Factors, model.Factors);
        if (model.PageIndex is { } index) SimilarCandidates(model, index, query, similar);
        else Scoring.ScoreAll(model.NormalizedFactors, model.Factors, query, similar);
        similar[anchor] = float.NegativeInfinity;
    }

    /// <summary>
    /// Recently added items ranked by how well their genres match the user's taste (cosine of the genre-affinity
    /// vector and the item's genres), then by the user's vector, then newest first; newest first for a user without taste yet.
    /// </summary>
    private static Row NewForYou(ServingModel model, Span<float> scores, UserPage user, int count)
    {
        var affinity = user.GenreAffinity;
        double sumOfSquares = 0;
        foreach (var a in affinity) sumOfSquares += a * a;
        double norm = Math.Sqrt(sumOfSquares);
        var buffer = ArrayPool<NewCandidate>.Shared.Rent(Math.Max(1, model.NewItems.Length));
        try
        {
            var found = 0;
            foreach (var row in model.NewItems)
            {
                if (float.IsNegativeInfinity(scores[row])) continue;
                var genres = model.ItemGenres[row];
                double match = 0;
                int best = -1;
                foreach (var g in genres)
                {
                    match += affinity[g];
                    if (best < 0 || affinity[g] > affinity[best]) best = g;
                }
                match = norm > 0 && genres.Length > 0 ? match / (norm * Math.Sqrt(genres.Length)) : 0;
                buffer[found++] = new NewCandidate(row, match, scores[row], best, model.AddedAt[row]);
            }
            var chosen = NewCandidate.Best(buffer.AsSpan(0, found), count);
            var items = new List<RecommendedItem>(chosen.Length);
            foreach (var c in chosen)
            {
                items.Add(new RecommendedItem(model.ItemId(c.Row), model.Titles[c.Row], (float)c.Match,
                    c.Match > 0 && c.Genre >= 0 ? model.GenreTexts[c.Genre].NewReason : "New on the service"));
                scores[c.Row] = float.NegativeInfinity;
            }
            return new Row(PageLayout.NewForYou, user.Vector is null && norm == 0 ? "New on the service" : "New for you", items);
        }
        finally
        {
            ArrayPool<NewCandidate>.Shared.Return(buffer);
        }
    }

    /// <summary>A new item's place in New for you: genre match, then the user's score, then newest, then row.</summary>
    private readonly record struct NewCandidate(int Row, double Match, float Score, int Genre, DateTimeOffset AddedAt)
    {
        /// <summary>Negative when <paramref name="a"/> goes before <paramref name="b"/>; a total order (the row decides last).</summary>
        private static int Order(in NewCandidate a, in NewCandidate b) =>
            a.Match != b.Match ? b.Match.CompareTo(a.Match)
            : a.Score != b.Score ? b.Score.CompareTo(a.Score)
            : a.AddedAt != b.AddedAt ? b.AddedAt.CompareTo(a.AddedAt)
            : a.Row.CompareTo(b.Row);

        /// <summary>
        /// Moves the best <paramref name="count"/> of <paramref name="candidates"/> to its front, in order, and returns
        /// them. A row shows 10–40 of up to 500 new items: most lose one comparison against the worst kept, where a
        /// full sort paid about nine per item.
        /// </summary>
        public static Span<NewCandidate> Best(Span<NewCandidate> candidates, int count)
        {
            int take = Math.Min(count, candidates.Length), kept = 0;
            if (take <= 0) return [];
            // The front holds the kept ones, in order; position i is read before anything is written there.
            for (int i = 0; i < candidates.Length; i++)
            {
                var c = candidates[i];
                if (kept == take && Order(c, candidates[kept - 1]) >= 0) continue;
                int at = kept < take ? kept++ : take - 1;
                for (; at > 0 && Order(c, candidates[at - 1]) < 0; at--) candidates[at] = candidates[at - 1];
                candidates[at] = c;
            }
            return candidates[..kept];
        }
    }

    /// <summary>
    /// Genre rows by the user's affinity. On a large catalog (<paramref name="candidates"/> given) a genre's members are
    /// looked for among the page's candidates, the only rows that hold a score, instead of reading every member's slot.
    /// </summary>
    private static void GenreRows(ServingModel model, Span<float> scores, float[] workBuffer, ArraySegment<int>? candidates, double[] genreAffinity,
        int perRow, List<Row> rows, int maxRows)
    {
        // Genres by the user's affinity, then popularity, then name: a pooled span sorted with a struct comparer (a LINQ
        // chain here built key arrays and closures on every page). The order is total, so the sort's instability is moot.
        var genreCount = model.Genres.Length;
        var genreBuffer = ArrayPool<int>.Shared.Rent(Math.Max(1, genreCount));
        var genreOrder = genreBuffer.AsSpan(0, genreCount);
        for (var g = 0; g < genreCount; g++) genreOrder[g] = g;
        genreOrder.Sort(new GenreOrder(genreAffinity, model.GenrePopularity, model.Genres));
        // A large catalog's candidates, bucketed by genre once (in score order), instead of every member's slot per row.
        int[]? starts = null, buckets = null;
        if (candidates is { } pool)
        {
            starts = ArrayPool<int>.Shared.Rent(model.Genres.Length + 1);
            var bounds = starts.AsSpan(0, model.Genres.Length + 1);
            bounds.Clear();
            foreach (var row in pool)
                foreach (var g in model.ItemGenres[row]) bounds[g + 1]++;
            for (var g = 0; g < model.Genres.Length; g++) bounds[g + 1] += bounds[g];
            buckets = ArrayPool<int>.Shared.Rent(Math.Max(1, bounds[^1]));
            var next = ArrayPool<int>.Shared.Rent(Math.Max(1, model.Genres.Length));
            bounds[..^1].CopyTo(next);
            foreach (var row in pool)
                foreach (var g in model.ItemGenres[row]) buckets[next[g]++] = row;
            ArrayPool<int>.Shared.Return(next);
        }
        try
        {
            foreach (var genre in genreOrder)
            {
                if (rows.Count >= maxRows) break;
                ReadOnlySpan<int> members = buckets is null ? model.GenreItems[genre] : buckets.AsSpan(starts![genre], starts[genre + 1] - starts[genre]);
                var local = workBuffer.AsSpan(0, members.Length);
                for (var i = 0; i < members.Length; i++) local[i] = scores[members[i]];
                var texts = model.GenreTexts[genre];
                var reason = genreAffinity[genre] > 0 ? texts.LikedReason : texts.PopularReason;
                var items = Take(model, local, perRow, reason, members, placed: scores);
                if (items.Count == 0) continue;
                rows.Add(new Row(texts.RowId, model.Genres[genre], items));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(genreBuffer);
            if (starts is not null) ArrayPool<int>.Shared.Return(starts);
            if (buckets is not null) ArrayPool<int>.Shared.Return(buckets);
        }
    }

    /// <summary>Genre rows' order: higher affinity first, then higher popularity, then name (ordinal).</summary>
    private readonly struct GenreOrder(double[] affinity, double[] popularity, string[] names) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            var byAffinity = affinity[b].CompareTo(affinity[a]);
            if (byAffinity != 0) return byAffinity;
            var byPopularity = popularity[b].CompareTo(popularity[a]);
            return byPopularity != 0 ? byPopularity : string.CompareOrdinal(names[a], names[b]);
        }
    }

    /// <summary>The score of an item a large catalog's index did not return: below every real score, above "excluded".</summary>
    internal const float NotCandidate = float.MinValue;

    /// <summary>Candidates of the home page on a large catalog: more than the page shows, so genre rows find members.</summary>
    internal const int PageCandidates = 4000;

    /// <summary>
    /// Large catalogs: exact scores for the index's best <see cref="PageCandidates"/> items, <see cref="NotCandidate"/>
    /// elsewhere, so the page reads 68 bytes per item once (or a few percent of them, through the inverted file) instead
    /// of scoring every item in float32. The candidates' rows are written to <paramref name="rows"/>; returns how many.
    /// </summary>
    private static int CandidateScores(ServingModel model, IItemIndex index, float[] vector, IReadOnlySet<int> exclude, Span<float> scores, int[] rows)
    {
        scores.Fill(NotCandidate);
        var pool = Math.Min(PageCandidates, scores.Length);
        var excluded = ArrayPool<int>.Shared.Rent(Math.Max(1, exclude.Count));
        var found = ArrayPool<float>.Shared.Rent(pool);
        try
        {
            var excludedSpan = SortedRows(exclude, excluded);
            var count = index.Search(vector, rows.AsSpan(0, pool), found.AsSpan(0, pool), excludedSpan, candidates: pool);
            for (var i = 0; i < count; i++) scores[rows[i]] = found[i];
            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(excluded);
            ArrayPool<float>.Shared.Return(found);
        }
    }

    /// <summary>
    /// Large catalogs: "Because you watched" candidates from the index (by the anchor's direction against the raw
    /// factors, oversampled), re-scored with the exact cosine; <see cref="NotCandidate"/> elsewhere.
    /// </summary>
    private static void SimilarCandidates(ServingModel model, IItemIndex index, ReadOnlySpan<float> query, Span<float> similar)
    {
        similar.Fill(NotCandidate);
        var k = model.Factors;
        var pool = Math.Min(PageCandidates / 2, similar.Length);
        var rows = ArrayPool<int>.Shared.Rent(pool);
        var found = ArrayPool<float>.Shared.Rent(pool);
        try
        {
            var count = index.Search(query, rows.AsSpan(0, pool), found.AsSpan(0, pool), candidates: pool);
            for (var i = 0; i < count; i++)
                similar[rows[i]] = System.Numerics.Tensors.TensorPrimitives.Dot(model.NormalizedFactors.AsSpan(rows[i] * k, k), query);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(found);
        }
    }

    /// <summary>The rows of <paramref name="rows"/> copied into <paramref name="buffer"/> and sorted, as the index's search takes them.</summary>
    private static Span<int> SortedRows(IReadOnlySet<int> rows, int[] buffer)
    {
        var sorted = buffer.AsSpan(0, rows.Count);
        var e = 0;
        foreach (var row in rows) sorted[e++] = row;
        sorted.Sort();
        return sorted;
    }

    /// <summary>Scores with the user's vector, or by popularity when the user has none.</summary>
    public static void Score(ServingModel model, float[]? vector, Span<float> scores)
    {
        if (vector is null) model.PopularityScores.AsSpan().CopyTo(scores);
        else Scoring.ScoreAll(model.ItemFactors, model.Factors, vector, scores);
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
        // Too little live activity yet: fill with what was popular in the training data, most popular first, from the
        // order kept per model; only a page that skipped all of those scores the catalog.
        foreach (var row in model.MostPopular)
        {
            if (items.Count >= count) break;
            if (float.IsNegativeInfinity(scores[row])) continue;
            items.Add(new RecommendedItem(model.ItemId(row), model.Titles[row], model.PopularityScores[row], "Popular lately"));
            scores[row] = float.NegativeInfinity;
        }
        if (items.Count < count)
        {
            var buffer = ArrayPool<float>.Shared.Rent(model.ItemCount);
            try
            {
                var popular = buffer.AsSpan(0, model.ItemCount);
                model.PopularityScores.AsSpan().CopyTo(popular);
                for (var i = 0; i < popular.Length; i++) if (float.IsNegativeInfinity(scores[i])) popular[i] = float.NegativeInfinity;
                var fill = Take(model, popular, count - items.Count, "Popular lately", placed: scores);
                items.AddRange(fill);
            }
            finally
            {
                ArrayPool<float>.Shared.Return(buffer);
            }
        }
        return items;
    }

    /// <summary>
    /// Approximate candidates re-scored for a reranker's pool of <paramref name="pool"/> items behind a list of
    /// <paramref name="count"/>: the pool feeds the reranker, so the margin that keeps its last ranks exact is the top
    /// K's, not 4× the pool.
    /// </summary>
    internal static int PoolCandidates(int count, int pool) => Math.Max(QuantizedItemIndex.DefaultCandidateCount(count), pool + 64);

    /// <summary>
    /// Large catalogs: the int8 index returns the best candidate pool with exact scores, and the reranker works on that
    /// pool alone, so a request reads 68 bytes per item instead of 256 and allocates only its response.
    /// </summary>
    private static List<RecommendedItem> RecommendFromIndex(ServingModel model, IItemIndex index, float[] vector, IReadOnlySet<int> exclude, int count, ulong seed,
        RankingSettings ranking)
    {
        var pool = Math.Max(count, ranking.CandidatePool);
        var excluded = ArrayPool<int>.Shared.Rent(Math.Max(1, exclude.Count));
        var rows = ArrayPool<int>.Shared.Rent(pool);
        var scores = ArrayPool<float>.Shared.Rent(pool);
        try
        {
            var excludedSpan = SortedRows(exclude, excluded);
            var found = index.Search(vector, rows.AsSpan(0, pool), scores.AsSpan(0, pool), excludedSpan, PoolCandidates(count, pool));
            return RerankPool(model, rows.AsSpan(0, found), scores.AsSpan(0, found), count, "Picked for you", seed, ranking);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(excluded);
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(scores);
        }
    }

    /// <summary>
    /// Top picks of a large catalog's page: the reranker's pool is the best candidates not yet on the page, which the
    /// index returned best first, so no pass over the catalog's score array ranks them again.
    /// </summary>
    private static List<RecommendedItem> PickFromCandidates(ServingModel model, Span<float> scores, ReadOnlySpan<int> candidates, int count, ulong seed,
        RankingSettings ranking)
    {
        var pool = Math.Max(count, ranking.CandidatePool);
        var rows = ArrayPool<int>.Shared.Rent(pool);
        var poolScores = ArrayPool<float>.Shared.Rent(pool);
        try
        {
            var found = 0;
            foreach (var row in candidates)
            {
                if (found == pool) break;
                if (float.IsNegativeInfinity(scores[row])) continue;
                rows[found] = row;
                poolScores[found++] = scores[row];
            }
            return RerankPool(model, rows.AsSpan(0, found), poolScores.AsSpan(0, found), count, "Picked for you", seed, ranking, placed: scores);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rows);
            ArrayPool<float>.Shared.Return(poolScores);
        }
    }

    /// <summary>
    /// The reranked list from a candidate pool given as rows and scores, best first: the pool's popularity is gathered,
    /// its vectors are read in place (MMR compares few of them more than once).
    /// </summary>
    private static List<RecommendedItem> RerankPool(ServingModel model, ReadOnlySpan<int> rows, ReadOnlySpan<float> scores, int count, string reason, ulong seed,
        RankingSettings ranking, Span<float> placed = default)
    {
        var found = rows.Length;
        var popularity = ArrayPool<float>.Shared.Rent(Math.Max(1, found));
        var output = ArrayPool<int>.Shared.Rent(count);
        try
        {
            for (var i = 0; i < found; i++) popularity[i] = model.Popularity[rows[i]];
            // Cosines from the raw rows with their inverse norms: the index's exact re-score has just read these rows, so MMR
            // finds them in the cache instead of reading the normalized copy's from memory.
            var picked = Reranker.RerankRanked(scores, rows, model.ItemFactors, model.Factors, popularity.AsSpan(0, found), ranking, seed,
                output.AsSpan(0, count), model.InverseNorms);
            var chosenScores = popularity.AsSpan(0, picked); // reused: the popularity of the pool is no longer needed
            for (var i = 0; i < picked; i++)
            {
                chosenScores[i] = scores[output[i]];
                output[i] = rows[output[i]];
            }
            return Items(model, output.AsSpan(0, picked), chosenScores, reason, ranking, placed);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(popularity);
            ArrayPool<int>.Shared.Return(output);
        }
    }

    /// <summary>A seed for the exploration draws that is stable for a user within an hour and changes across hours.</summary>
    public static ulong SeedFor(string userId, DateTimeOffset now) =>
        Reranker.MixSeed((uint)Streaming.Kafka.Murmur2Partitioner.Hash(userId), (ulong)now.ToUnixTimeSeconds() / 3600);

    /// <summary>
    /// The list with the beyond-accuracy controls of <paramref name="ranking"/>: popularity penalty, diversity
    /// (MMR over the candidate pool) and a small exploration share in the last slots.
    /// </summary>
    private static List<RecommendedItem> Pick(ServingModel model, ReadOnlySpan<float> scores, int count, string reason, ulong seed, RankingSettings ranking,
        Span<float> placed = default)
    {
        var buffer = ArrayPool<int>.Shared.Rent(count);
        try
        {
            var output = buffer.AsSpan(0, count);
            var found = Reranker.Rerank(scores, model.NormalizedFactors, model.Factors, model.Popularity, ranking, seed, output);
            Span<float> chosenScores = stackalloc float[Math.Min(found, 256)];
            if (found > chosenScores.Length) chosenScores = new float[found];
            for (var i = 0; i < found; i++) chosenScores[i] = scores[output[i]];
            return Items(model, output[..found], chosenScores[..found], reason, ranking, placed);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    // The response items; the last slots the reranker filled by exploration say so. Each row is marked placed in
    // `placed` (the page's scores) where one is given.
    private static List<RecommendedItem> Items(ServingModel model, ReadOnlySpan<int> rows, ReadOnlySpan<float> scores, string reason, RankingSettings ranking,
        Span<float> placed = default)
    {
        var explored = rows.Length - ranking.ExplorationSlots(rows.Length);
        var items = new List<RecommendedItem>(rows.Length);
        if (!placed.IsEmpty) foreach (var row in rows) placed[row] = float.NegativeInfinity;
        for (var i = 0; i < rows.Length; i++)
            items.Add(new RecommendedItem(model.ItemId(rows[i]), model.Titles[rows[i]], scores[i], i >= explored ? "Something different to try" : reason));
        return items;
    }

    /// <summary>
    /// Top <paramref name="count"/> of <paramref name="scores"/>; positions map to model rows through <paramref name="rows"/>
    /// unless it is empty. Each row taken is marked in <paramref name="placed"/> (the page's scores) where one is given.
    /// </summary>
    private static List<RecommendedItem> Take(ServingModel model, ReadOnlySpan<float> scores, int count, string reason, ReadOnlySpan<int> rows = default,
        Span<float> placed = default)
    {
        var indexBuffer = ArrayPool<int>.Shared.Rent(count);
        var scoreBuffer = ArrayPool<float>.Shared.Rent(count);
        try
        {
            var found = TopK.Select(scores, indexBuffer.AsSpan(0, count), scoreBuffer.AsSpan(0, count));
            var items = new List<RecommendedItem>(found);
            for (var i = 0; i < found; i++)
            {
                if (scoreBuffer[i] == NotCandidate) break; // fewer candidates than asked for: a shorter row, not arbitrary items
                var row = rows.IsEmpty ? indexBuffer[i] : rows[indexBuffer[i]];
                items.Add(new RecommendedItem(model.ItemId(row), model.Titles[row], scoreBuffer[i], reason));
                if (!placed.IsEmpty) placed[row] = float.NegativeInfinity;
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
