using System.Buffers;

namespace Personalization.Recommender.Reranking;

/// <summary>
/// Turns a user's scores into a ranked list with the "beyond accuracy" controls of <see cref="RankingSettings"/>:
/// popularity penalty, diversity (MMR) and exploration (Thompson sampling). Pure math, used online by the serving
/// ranker and offline by <see cref="Evaluation.RankingEvaluator"/>.
/// </summary>
/// <remarks>
/// <para>Steps: (1) the candidate pool, the top max(<see cref="RankingSettings.CandidatePool"/>, K) items by score with
/// <see cref="TopK.Select"/> (excluded items never enter it); (2) relevance = score min-max normalized over the pool,
/// minus the popularity penalty (see <see cref="RankingSettings.PopularityPenalty"/>); (3) the first K − ⌊ε·K⌋ slots
/// by MMR with λ = <see cref="RankingSettings.Diversity"/> (λ = 0: relevance order); (4) the last ⌊ε·K⌋ slots by
/// Thompson sampling among the pool items not chosen in (3), best draw first.</para>
/// <para>Exploration takes the last slots rather than interleaved positions: the head of the list, which users see
/// first and which carries most of the ranking metrics' weight, stays the exploited list, and a serving layer that
/// wants more exposure for the explored items can move them itself.</para>
/// <para>With every control off the result is exactly <see cref="TopK.Select"/>'s. Cost: one top-K pass over the
/// catalog, then for MMR one pass over the pool's vectors and, lazily, the comparisons of the few candidates near the top
/// (at most O(pool·K·dimensions)). Scratch comes from <see cref="ArrayPool{T}.Shared"/>, so a call
/// allocates nothing once the pool is warm. Thread-safe: no shared state.</para>
/// </remarks>
public static class Reranker
{
    /// <summary>Writes the re-ranked list of output.Length = K items, best first.</summary>
    /// <param name="scores">Score per catalog item, higher is better; <see cref="float.NegativeInfinity"/> or NaN
    /// excludes an item (e.g. already seen). Eligible scores must be finite.</param>
    /// <param name="itemVectors">Unit item vectors, row-major items × <paramref name="dimensions"/> (see
    /// <see cref="ItemVectors"/>); needed only when <see cref="RankingSettings.Diversity"/> &gt; 0, else may be empty.</param>
    /// <param name="dimensions">Length of each item vector; ignored when the vectors are not needed.</param>
    /// <param name="popularity">Popularity per item, non-negative (e.g. users with a positive signal in the training
    /// data); needed only for the popularity penalty and exploration, else may be empty.</param>
    /// <param name="settings">The controls.</param>
    /// <param name="seed">Seed of the exploration draws, e.g. <see cref="MixSeed"/> of a user id and a time bucket, so a
    /// user's list is stable within the bucket and varies across buckets.</param>
    /// <param name="output">Receives the item indices; its length is K.</param>
    /// <returns>How many were written: min(K, eligible items).</returns>
    /// <exception cref="ArgumentException">A needed input is missing or does not match the catalog size, or a
    /// candidate's popularity is negative.</exception>
    public static int Rerank(
        ReadOnlySpan<float> scores, ReadOnlySpan<float> itemVectors, int dimensions, ReadOnlySpan<float> popularity,
        RankingSettings settings, ulong seed, Span<int> output)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int k = output.Length;
        if (k == 0)
            return 0;
        if (settings.IsOff)
            return PlainTopK(scores, output);

        int explore = settings.ExplorationSlots(k);
        if (settings.Diversity > 0f)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
            if (itemVectors.Length != (long)scores.Length * dimensions)
                throw new ArgumentException(
                    $"Diversity needs {scores.Length}×{dimensions} item vectors, got {itemVectors.Length} values.", nameof(itemVectors));
        }
        if ((settings.PopularityPenalty > 0f || explore > 0) && popularity.Length != scores.Length)
            throw new ArgumentException(
                $"The popularity penalty and exploration need a popularity per item ({scores.Length}), got {popularity.Length}.", nameof(popularity));

        int capacity = Math.Max(settings.CandidatePool, k);
        int[] pool = ArrayPool<int>.Shared.Rent(capacity);
        float[] poolScores = ArrayPool<float>.Shared.Rent(capacity);
        try
        {
            int n = TopK.Select(scores, pool.AsSpan(0, capacity), poolScores);
            // MMR reads the vectors of the few candidates it compares in place, by catalog row: no gather of the pool.
            var rows = pool.AsSpan(0, n);
            int count = RerankPool(rows, poolScores.AsSpan(0, n), rows, itemVectors, dimensions, default, popularity, settings, seed, output);
            for (int i = 0; i < count; i++)
                output[i] = pool[output[i]];
            return count;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(pool);
            ArrayPool<float>.Shared.Return(poolScores);
        }
    }

    /// <summary>
    /// <see cref="Rerank"/> over a pool already ranked (an index's top candidates): no top-K pass, and the pool's vectors
    /// read where they are. Writes pool positions.
    /// </summary>
    /// <param name="poolScores">The pool's scores, best first (ties in the order the pool breaks them); the pool is all of it.</param>
    /// <param name="poolRows">The row in <paramref name="itemVectors"/> of each pool position; needed only when
    /// <see cref="RankingSettings.Diversity"/> &gt; 0, else may be empty.</param>
    /// <param name="itemVectors">Item vectors, row-major (the catalog's), read in place: MMR compares only the candidates
    /// near the top of the list. Unit rows (see <see cref="ItemVectors"/>), or any rows with <paramref name="inverseNorms"/>,
    /// such as the factors an index has just re-scored the pool from. Needed only when
    /// <see cref="RankingSettings.Diversity"/> &gt; 0.</param>
    /// <param name="dimensions">Length of each vector; ignored when the vectors are not needed.</param>
    /// <param name="poolPopularity">Popularity of each pool position, non-negative; needed only for the popularity penalty and
    /// exploration, else may be empty.</param>
    /// <param name="settings">The controls; <see cref="RankingSettings.CandidatePool"/> is the caller's to apply.</param>
    /// <param name="seed">Seed of the exploration draws (see <see cref="Rerank"/>).</param>
    /// <param name="output">Receives pool positions; its length is K.</param>
    /// <param name="inverseNorms">1/|row| per row of <paramref name="itemVectors"/> (0 for a zero row); empty when the rows
    /// are unit vectors.</param>
    /// <returns>How many were written: min(K, pool size).</returns>
    /// <exception cref="ArgumentException">A needed input is missing or does not match the pool.</exception>
    public static int RerankRanked(
        ReadOnlySpan<float> poolScores, ReadOnlySpan<int> poolRows, ReadOnlySpan<float> itemVectors, int dimensions, ReadOnlySpan<float> poolPopularity,
        RankingSettings settings, ulong seed, Span<int> output, ReadOnlySpan<float> inverseNorms = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int k = output.Length, n = poolScores.Length;
        if (k == 0 || n == 0)
            return 0;
        if (settings.Diversity > 0f)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(dimensions, 1);
            if (poolRows.Length != n)
                throw new ArgumentException($"Diversity needs a vector row per pool position ({n}), got {poolRows.Length}.", nameof(poolRows));
            if (itemVectors.Length % dimensions != 0)
                throw new ArgumentException($"{itemVectors.Length} values are not a whole number of vectors of {dimensions}.", nameof(itemVectors));
            int vectors = itemVectors.Length / dimensions;
            if (!inverseNorms.IsEmpty && inverseNorms.Length != vectors)
                throw new ArgumentException($"{inverseNorms.Length} inverse norms for {vectors} item vectors.", nameof(inverseNorms));
            foreach (int row in poolRows)
                if ((uint)row >= (uint)vectors)
                    throw new ArgumentOutOfRangeException(nameof(poolRows), row, $"Pool row outside the {vectors} item vectors.");
        }
        if ((settings.PopularityPenalty > 0f || settings.ExplorationSlots(k) > 0) && poolPopularity.Length != n)
            throw new ArgumentException($"The popularity penalty and exploration need a popularity per pool item ({n}), got {poolPopularity.Length}.",
                nameof(poolPopularity));
        if (settings.IsOff)
        {
            int count = Math.Min(k, n);
            for (int i = 0; i < count; i++) output[i] = i;
            return count;
        }
        int[] positions = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var pool = positions.AsSpan(0, n);
            for (int p = 0; p < n; p++) pool[p] = p;
            return RerankPool(pool, poolScores, poolRows, itemVectors, dimensions, inverseNorms, poolPopularity, settings, seed, output);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(positions);
        }
    }

    // Steps (2)–(4) over a ranked pool: pool[p] indexes popularity, rows[p] the vectors; writes pool positions.
    private static int RerankPool(ReadOnlySpan<int> pool, ReadOnlySpan<float> poolScores, ReadOnlySpan<int> rows, ReadOnlySpan<float> itemVectors,
        int dimensions, ReadOnlySpan<float> inverseNorms, ReadOnlySpan<float> popularity, RankingSettings settings, ulong seed, Span<int> output)
    {
        int k = output.Length, n = pool.Length;
        int explore = settings.ExplorationSlots(k);
        int[] ints = ArrayPool<int>.Shared.Rent(n);
        float[] floats = ArrayPool<float>.Shared.Rent(4 * n);
        try
        {
            Span<int> live = ints.AsSpan(0, n);
            Span<float> relevance = floats.AsSpan(0, n);
            Span<float> work = floats.AsSpan(n, n);
            Span<float> draws = floats.AsSpan(2 * n, n);
            PoolRelevance.Normalize(poolScores, relevance);
            PopularityPenalty.Apply(pool, relevance, popularity, settings.PopularityPenalty, work);

            // Exploited slots first; if the pool cannot fill the list, exploration has nothing left to draw from anyway.
            int exploit = Math.Min(k - explore, n);
            MaximalMarginalRelevance.Select(relevance, rows, itemVectors, dimensions, settings.Diversity, output[..exploit], live, work,
                floats.AsSpan(3 * n, n), inverseNorms);
            int explored = ThompsonExploration.Select(pool, relevance, live[..(n - exploit)], popularity, settings.ExplorationScale, seed,
                output.Slice(exploit, Math.Min(explore, n - exploit)), work, draws);
            return exploit + explored;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(ints);
            ArrayPool<float>.Shared.Return(floats);
        }
    }

    /// <summary>
    /// Mixes two values into an exploration seed: a base seed and a user index offline, a user id and a time bucket
    /// online. Nearby inputs give unrelated seeds (SplitMix64 finalizer), so consecutive users do not share draws.
    /// </summary>
    /// <param name="first">First value.</param>
    /// <param name="second">Second value.</param>
    /// <returns>The seed.</returns>
    public static ulong MixSeed(ulong first, ulong second) => SplitMix64.Mix(first, second);

    private static int PlainTopK(ReadOnlySpan<float> scores, Span<int> output)
    {
        int k = output.Length;
        float[]? rented = k > 256 ? ArrayPool<float>.Shared.Rent(k) : null;
        try
        {
            Span<float> topScores = rented is null ? stackalloc float[k] : rented;
            return TopK.Select(scores, output, topScores);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<float>.Shared.Return(rented);
        }
    }
}
