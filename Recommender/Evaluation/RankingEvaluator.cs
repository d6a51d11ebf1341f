using System.Diagnostics;
using Personalization.Recommender.Models;
using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Evaluation;

/// <summary>
/// Offline top-K evaluation of an <see cref="IRecommenderModel"/> by full ranking: every evaluated user is scored
/// against the whole catalog from their fold-in entries, items they already have are excluded, and the top K are
/// compared with their relevant test items. No negatives are sampled, so the numbers are comparable across models.
/// </summary>
/// <remarks>
/// <para>Evaluated users have at least one fold-in entry (something to be scored from) and at least one relevant test
/// entry, value &gt; <see cref="EvaluationOptions.RelevanceThreshold"/> (something to be found); others have
/// undefined metrics and are skipped. Non-relevant test items (e.g. dislikes) stay in the candidate set.</para>
/// <para>Users are claimed in fixed-size chunks by worker threads, each reusing its own scratch, so the user loop
/// allocates nothing. Per-user metrics land in an array indexed by the user's position and are summed in that order
/// at the end, so the results do not depend on the thread count.</para>
/// <para>With <see cref="EvaluationOptions.Ranking"/> set, each list is re-ranked by <see cref="Reranker.Rerank"/>
/// with the user's own exploration seed, <see cref="Reranker.MixSeed"/>(<see cref="EvaluationOptions.Seed"/>, the user's
/// row): the same lists for any thread count, scheduling or <see cref="EvaluationOptions.MaxUsers"/> sample.
/// Intra-list diversity and novelty are measured on the final lists when item vectors and popularity are given.</para>
/// </remarks>
public static class RankingEvaluator
{
    // Users handed to a thread at a time: scoring a user costs a full pass over the catalog, so small chunks balance well.
    private const int UsersPerClaim = 16;

    /// <summary>Evaluates a model on the fold-in and test matrices of a split.</summary>
    /// <param name="model">The model, trained on <see cref="SplitMatrices.Train"/>.</param>
    /// <param name="split">The split matrices.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <param name="progress">Receives reports every <see cref="EvaluationOptions.ProgressInterval"/> users and at the
    /// end, from worker threads, in increasing order of <see cref="EvaluationProgress.Done"/>.</param>
    /// <param name="cancellationToken">Stops the evaluation between chunks of users.</param>
    /// <returns>The mean metrics.</returns>
    /// <exception cref="ArgumentException">The matrices do not match each other or the model's catalog.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">The evaluation was cancelled.</exception>
    public static EvaluationResult Evaluate(
        IRecommenderModel model, SplitMatrices split, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(split);
        return Evaluate(model, split.FoldIn, split.Test, options, progress, cancellationToken);
    }

    /// <summary>Evaluates a model: users described by <paramref name="foldIn"/>, judged on <paramref name="test"/>.</summary>
    /// <param name="model">The model; it must not have been trained on <paramref name="test"/>.</param>
    /// <param name="foldIn">User × item entries each user is scored from; these items are never recommended.</param>
    /// <param name="test">User × item hidden entries, same dimensions; a test item also present in fold-in can never be hit.</param>
    /// <param name="options">Settings; defaults when <see langword="null"/>.</param>
    /// <param name="progress">Receives reports every <see cref="EvaluationOptions.ProgressInterval"/> users and at the
    /// end, from worker threads, in increasing order of <see cref="EvaluationProgress.Done"/>.</param>
    /// <param name="cancellationToken">Stops the evaluation between chunks of users.</param>
    /// <returns>The mean metrics.</returns>
    /// <exception cref="ArgumentException">The matrices do not match each other or the model's catalog.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">The evaluation was cancelled.</exception>
    public static EvaluationResult Evaluate(
        IRecommenderModel model, InteractionMatrix foldIn, InteractionMatrix test, EvaluationOptions? options = null,
        IProgress<EvaluationProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(foldIn);
        ArgumentNullException.ThrowIfNull(test);
        options ??= new EvaluationOptions();
        options.Validate();
        if (test.Rows != foldIn.Rows || test.Columns != foldIn.Columns)
            throw new ArgumentException(
                $"The test matrix is {test.Rows}×{test.Columns} but the fold-in matrix {foldIn.Rows}×{foldIn.Columns}.", nameof(test));
        if (model.Items != foldIn.Columns)
            throw new ArgumentException(
                $"The model scores {model.Items} items but the matrices have {foldIn.Columns} columns.", nameof(model));
        if (options.ItemVectors is { } vectors && vectors.Items != model.Items)
            throw new ArgumentException($"{vectors.Items} item vectors for {model.Items} items.", nameof(options));
        if (options.ItemPopularity is { } popularity && popularity.Length != model.Items)
            throw new ArgumentException($"{popularity.Length} item popularities for {model.Items} items.", nameof(options));

        long started = Stopwatch.GetTimestamp();
        int[] users = Sample(SelectUsers(foldIn, test, options.RelevanceThreshold), options.MaxUsers, options.Seed);
        int k = options.K;
        float threshold = options.RelevanceThreshold;

        int maxRelevant = 0;
        foreach (int u in users)
            maxRelevant = Math.Max(maxRelevant, test.RowColumns(u).Length);
        int workers = Math.Max(1, Math.Min(options.Threads, (users.Length + UsersPerClaim - 1) / UsersPerClaim));
        var scratch = new Scratch[workers];
        for (int w = 0; w < workers; w++)
            scratch[w] = new Scratch(model.Items, k, maxRelevant);

        var perUser = new RankingScores[users.Length];
        double[]? ild = options.ItemVectors is null ? null : new double[users.Length];
        double[]? novelty = options.ItemPopularity is null ? null : new double[users.Length];
        var reporter = new ProgressReporter(progress, users.Length, options.ProgressInterval);
        RowChunks.ForEach(users.Length, UsersPerClaim, workers, cancellationToken, (start, end, worker) =>
        {
            Scratch buffers = scratch[worker];
            for (int i = start; i < end; i++)
            {
                int ranked = RankUser(model, foldIn, users[i], options, buffers);
                ReadOnlySpan<int> ranking = buffers.Top.AsSpan(0, ranked);
                perUser[i] = Judge(test, users[i], ranking, k, threshold, buffers);
                if (ild is not null)
                    ild[i] = RankingMetrics.IntraListDiversity(ranking, options.ItemVectors!.Values, options.ItemVectors.Dimensions, k);
                if (novelty is not null)
                    novelty[i] = RankingMetrics.Novelty(ranking, options.ItemPopularity, options.PopulationSize, k);
            }
            reporter.Add(end - start);
        });

        int recommendedItems = 0;
        for (int item = 0; item < model.Items; item++)
        {
            foreach (Scratch buffers in scratch)
            {
                if (buffers.Recommended[item])
                {
                    recommendedItems++;
                    break;
                }
            }
        }

        (double recall, double recallError) = MeanAndStandardError(perUser, static s => s.Recall);
        (double ndcg, double ndcgError) = MeanAndStandardError(perUser, static s => s.Ndcg);
        (double precision, double precisionError) = MeanAndStandardError(perUser, static s => s.Precision);
        (double map, double mapError) = MeanAndStandardError(perUser, static s => s.AveragePrecision);
        (double Mean, double StandardError)? diversity = ild is null ? null : MeanAndStandardError(ild, static x => x);
        (double Mean, double StandardError)? surprise = novelty is null ? null : MeanAndStandardError(novelty, static x => x);
        // No users, no interval (and no NaN for the registry's JSON).
        var intervals = users.Length == 0 ? new Dictionary<string, ConfidenceInterval>() : new Dictionary<string, ConfidenceInterval>(StringComparer.Ordinal)
        {
            ["recall"] = Interval(perUser, static s => s.Recall, options.Seed),
            ["ndcg"] = Interval(perUser, static s => s.Ndcg, options.Seed),
            ["precision"] = Interval(perUser, static s => s.Precision, options.Seed),
            ["map"] = Interval(perUser, static s => s.AveragePrecision, options.Seed),
        };
        if (ild is not null && users.Length > 0)
            intervals["ild"] = Interval(ild, static x => x, options.Seed);
        if (novelty is not null && users.Length > 0)
            intervals["novelty"] = Interval(novelty, static x => x, options.Seed);
        double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new EvaluationResult
        {
            Intervals = intervals,
            Model = model.Name,
            K = k,
            Users = users.Length,
            Items = model.Items,
            Recall = recall,
            RecallStandardError = recallError,
            Ndcg = ndcg,
            NdcgStandardError = ndcgError,
            Precision = precision,
            PrecisionStandardError = precisionError,
            Map = map,
            MapStandardError = mapError,
            RecommendedItems = recommendedItems,
            Coverage = RankingMetrics.Coverage(recommendedItems, model.Items),
            Ild = diversity?.Mean,
            IldStandardError = diversity?.StandardError,
            Novelty = surprise?.Mean,
            NoveltyStandardError = surprise?.StandardError,
            ElapsedSeconds = seconds,
            UsersPerSecond = seconds > 0 ? users.Length / seconds : 0,
        };
    }

    /// <summary>
    /// The users an evaluation covers before any <see cref="EvaluationOptions.MaxUsers"/> cap: at least one fold-in
    /// entry and at least one test entry with value &gt; <paramref name="relevanceThreshold"/>.
    /// </summary>
    /// <param name="foldIn">User × item fold-in entries.</param>
    /// <param name="test">User × item test entries, same dimensions.</param>
    /// <param name="relevanceThreshold">Test values above this are relevant.</param>
    /// <returns>The users, ascending.</returns>
    /// <exception cref="ArgumentException">The matrices have different numbers of rows.</exception>
    public static int[] SelectUsers(InteractionMatrix foldIn, InteractionMatrix test, float relevanceThreshold = 0f)
    {
        ArgumentNullException.ThrowIfNull(foldIn);
        ArgumentNullException.ThrowIfNull(test);
        if (test.Rows != foldIn.Rows)
            throw new ArgumentException($"The test matrix has {test.Rows} rows but the fold-in matrix {foldIn.Rows}.", nameof(test));

        var users = new List<int>();
        for (int u = 0; u < foldIn.Rows; u++)
        {
            if (foldIn.RowColumns(u).IsEmpty)
                continue;
            foreach (float value in test.RowWeights(u))
            {
                if (value > relevanceThreshold)
                {
                    users.Add(u);
                    break;
                }
            }
        }
        return users.ToArray();
    }

    // Scores the user and writes their list to buffers.Top; returns its length.
    private static int RankUser(IRecommenderModel model, InteractionMatrix foldIn, int user, EvaluationOptions options, Scratch buffers)
    {
        ReadOnlySpan<int> seen = foldIn.RowColumns(user);
        float[] scores = buffers.Scores;
        model.Score(seen, foldIn.RowWeights(user), scores);
        // Recommending what the user already has would inflate every metric without being useful.
        foreach (int item in seen)
            scores[item] = float.NegativeInfinity;
        RankingSettings ranking = options.Ranking;
        if (ranking.IsOff)
            return TopK.Select(scores, buffers.Top, buffers.TopScores);
        ItemVectors? vectors = options.ItemVectors;
        // Seeded by the user's row, not their position in this run: the same user draws the same items in every run.
        ulong seed = Reranker.MixSeed(unchecked((ulong)options.Seed), (ulong)user);
        return Reranker.Rerank(scores, vectors is null ? default : vectors.Values, vectors?.Dimensions ?? 0, options.ItemPopularity,
            ranking, seed, buffers.Top);
    }

    // The accuracy metrics of one user's list; also marks its items as recommended for coverage.
    private static RankingScores Judge(InteractionMatrix test, int user, ReadOnlySpan<int> ranking, int k, float threshold, Scratch buffers)
    {
        ReadOnlySpan<int> testItems = test.RowColumns(user);
        ReadOnlySpan<float> testValues = test.RowWeights(user);
        int relevant = 0;
        for (int j = 0; j < testItems.Length; j++)
        {
            if (testValues[j] > threshold)
                buffers.Relevant[relevant++] = testItems[j];
        }

        foreach (int item in ranking)
            buffers.Recommended[item] = true;
        return RankingMetrics.Compute(ranking, buffers.Relevant.AsSpan(0, relevant), k);
    }

    // A uniform sample of at most max users, ascending; the input is returned as is when it is small enough.
    private static int[] Sample(int[] users, int? max, int seed)
    {
        if (max is not int count || count >= users.Length)
            return users;
        var random = new Random(seed);
        for (int j = 0; j < count; j++)
        {
            int pick = random.Next(j, users.Length);
            (users[j], users[pick]) = (users[pick], users[j]);
        }
        int[] sample = users[..count];
        Array.Sort(sample);
        return sample;
    }

    // The 95% bootstrap interval over users of one per-user metric.
    private static ConfidenceInterval Interval<T>(T[] perUser, Func<T, double> metric, int seed)
    {
        var values = new double[perUser.Length];
        for (int i = 0; i < values.Length; i++)
            values[i] = metric(perUser[i]);
        return BootstrapInterval.OfMean(values, seed: seed);
    }

    // Two passes in user order: deterministic, and numerically safer than accumulating squares.

    private static (double Mean, double StandardError) MeanAndStandardError<T>(T[] perUser, Func<T, double> metric)
    {
        int n = perUser.Length;
        if (n == 0)
            return (0, 0);
        double sum = 0;
        foreach (T scores in perUser)
            sum += metric(scores);
        double mean = sum / n;
        if (n < 2)
            return (mean, 0);
        double squares = 0;
        foreach (T scores in perUser)
        {
            double deviation = metric(scores) - mean;
            squares += deviation * deviation;
        }
        return (mean, Math.Sqrt(squares / ((double)n * (n - 1))));
    }

    // One worker's buffers, reused for every user it evaluates.
    private sealed class Scratch(int items, int k, int maxRelevant)
    {
        public float[] Scores { get; } = new float[items];
        public int[] Top { get; } = new int[k];
        public float[] TopScores { get; } = new float[k];
        public int[] Relevant { get; } = new int[maxRelevant];
        public bool[] Recommended { get; } = new bool[items];
    }

    // Counts finished users across workers and reports at each interval boundary, never going backwards.
    private sealed class ProgressReporter(IProgress<EvaluationProgress>? progress, int total, int interval)
    {
        private readonly Lock _gate = new();
        private int _done;
        private int _reported;

        public void Add(int count)
        {
            if (progress is null)
                return;
            int done = Interlocked.Add(ref _done, count);
            if (done != total && done / interval == (done - count) / interval)
                return;
            lock (_gate)
            {
                // A later count may already have been reported by a faster thread.
                if (done <= _reported)
                    return;
                _reported = done;
                progress.Report(new EvaluationProgress(done, total));
            }
        }
    }
}
