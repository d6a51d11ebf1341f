using System.Diagnostics;
using Personalization.Recommender;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Models;
using Personalization.Recommender.Reranking;
using Personalization.Trainer.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Evaluation;

/// <summary>
/// Splits training data, trains a model on the training part and ranks the whole catalog for every evaluated user,
/// with the shared <see cref="RankingEvaluator"/>. Relevance always comes from the signal weights (a positive
/// signal), so explicit and implicit models are judged on the same test items.
/// </summary>
/// <remarks>
/// Beyond accuracy, every run also measures intra-list diversity and novelty, and may re-rank the lists
/// (<see cref="RankingSettings"/>). Item similarity, for MMR and ILD alike, is the cosine of ALS item factors: the
/// evaluated model's own for <c>als</c>; for the other models (EASE and popularity have no item factors, MF's are fitted
/// to ratings) those of a reference ALS (<see cref="ReferenceVectorOptions"/>) trained on the same training split, so
/// their ILD is measured in the same space as the tuned ALS model's. Popularity, for the penalty, exploration and
/// novelty, is the number of training users with a positive signal on the item.
/// </remarks>
public static class OfflineEvaluation
{
    /// <summary>The protocol names of the command line and the registry's metric keys.</summary>
    public static readonly string[] Protocols = ["holdout", "users", "time", "last", "cold"];

    /// <summary>Checks a protocol name as used on the command line.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static string ParseProtocol(string name) => Protocols.Contains(name)
        ? name
        : throw new ArgumentException($"--protocol must be one of {string.Join(", ", Protocols)}, not '{name}'.");

    /// <summary>
    /// The split of a protocol: <c>holdout</c>, a random share of each user's entries; <c>users</c>, held-out users
    /// (Liang et al. 2018) folded in from 80% of their history; <c>time</c>, a global time cutoff that leaves the newest
    /// <paramref name="testFraction"/> of the entries after it (<see cref="TemporalSplit.GlobalCutoff"/>); <c>last</c>,
    /// each user's <paramref name="lastN"/> newest entries (<see cref="TemporalSplit.LeaveLastOut"/>); <c>cold</c>, held-out
    /// users folded in from only their <paramref name="lastN"/> oldest entries (<see cref="TemporalSplit.ColdStart"/>).
    /// </summary>
    /// <param name="data">All interactions.</param>
    /// <param name="protocol">A name of <see cref="Protocols"/>.</param>
    /// <param name="testFraction">Share held out (entries per user, users, or entries after the cutoff).</param>
    /// <param name="lastN">Entries per user under <c>last</c> (hidden) and <c>cold</c> (folded in).</param>
    /// <param name="seed">Seed of the random protocols.</param>
    public static EvaluationSplit Split(TrainingData data, string protocol, double testFraction, int lastN, int seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        return ParseProtocol(protocol) switch
        {
            "holdout" => EvaluationSplit.Holdout(data.Matrix, testFraction, seed),
            "users" => EvaluationSplit.UsersByFraction(data.Matrix, testFraction, foldInFraction: 0.8, seed),
            "time" => TemporalSplit.GlobalCutoff(data.Matrix, data.FirstSeen, TemporalSplit.CutoffForTestFraction(data.FirstSeen, testFraction)),
            "last" => TemporalSplit.LeaveLastOut(data.Matrix, data.FirstSeen, lastN),
            _ => TemporalSplit.ColdStart(data.Matrix, data.FirstSeen, lastN, testFraction, seed),
        };
    }

    /// <summary>Splits <paramref name="data"/>, trains, evaluates.</summary>
    /// <param name="data">All interactions.</param>
    /// <param name="dataset">Data set name for the report.</param>
    /// <param name="spec">The model.</param>
    /// <param name="protocol">A name of <see cref="Protocols"/> (see <see cref="Split"/>).</param>
    /// <param name="testFraction">Share of each user's entries (holdout), of users (users) or of all entries (time) held out.</param>
    /// <param name="seed">Split seed.</param>
    /// <param name="k">Cut-off K.</param>
    /// <param name="ranking">How each list is formed from the scores; <see cref="RankingSettings.Default"/> is plain top-K.</param>
    /// <param name="training">Training progress.</param>
    /// <param name="vectorTraining">Training progress of the reference ALS, for models without item factors.</param>
    /// <param name="evaluation">Evaluation progress.</param>
    /// <param name="lastN">Newest entries per user held out under <c>last</c>.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    public static EvaluationReport Run(
        TrainingData data, string dataset, ModelSpec spec, string protocol, double testFraction, int seed, int k, RankingSettings ranking,
        IProgress<TrainingProgress>? training = null, IProgress<TrainingProgress>? vectorTraining = null,
        IProgress<EvaluationProgress>? evaluation = null, int lastN = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ranking);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(spec);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentException($"--test-fraction must be between 0 and 1 (exclusive), not {testFraction}.");
        if (k < 1)
            throw new ArgumentException($"--k must be at least 1, not {k}.");
        var trainer = ModelFactory.Create(spec);

        var split = Split(data, protocol, testFraction, lastN, seed);
        var signals = split.Apply(data.Matrix);
        var input = data.InputFor(spec.Model) is var units && !ReferenceEquals(units, data.Matrix) ? split.Apply(units) : signals;

        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(input.Train, training, cancellationToken);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var (vectors, vectorSource) = ItemVectorsFor(model, signals.Train, spec, vectorTraining, cancellationToken);
        var (popularity, population) = Popularity(signals.Train);
        var options = new EvaluationOptions
        {
            K = k, Threads = spec.EffectiveThreads, Seed = seed, Ranking = ranking,
            ItemVectors = vectors, ItemPopularity = popularity, PopulationSize = Math.Max(population, 1),
        };
        var result = RankingEvaluator.Evaluate(model, input.FoldIn, signals.Test, options, evaluation, cancellationToken);
        var metrics = result.ToDictionary();
        // Explicit models also predict ratings: RMSE on the held-out ratings of training users (LIBMF's measure).
        if (model is BiasedMfModel mf && split.Protocol == SplitProtocol.Holdout)
            metrics["rmse"] = mf.Rmse(input.Test);
        return new EvaluationReport(dataset, model.Name, protocol, model.Parameters, testFraction, seed, k,
            metrics, trainSeconds, result.ElapsedSeconds)
        {
            Ranking = new Dictionary<string, double>
            {
                ["diversity"] = ranking.Diversity,
                ["popularity-penalty"] = ranking.PopularityPenalty,
                ["exploration"] = ranking.ExplorationShare,
                ["candidate-pool"] = ranking.CandidatePool,
                ["exploration-scale"] = ranking.ExplorationScale,
            },
            ItemVectors = vectorSource,
        };
    }

    /// <summary>
    /// The ALS settings of the reference item vectors for models without their own: 64 factors, 15 iterations,
    /// α 1, λ 20 (the tuned ml-latest-small setting of docs/trainer.md), conjugate gradient.
    /// </summary>
    /// <param name="threads">Training threads (the result does not depend on them).</param>
    /// <param name="seed">Initialization seed.</param>
    public static AlsOptions ReferenceVectorOptions(int threads, int seed) => new()
    {
        Factors = 64, Iterations = 15, Alpha = 1f, Regularization = 20f, Solver = AlsSolver.ConjugateGradient, Threads = threads, Seed = seed,
    };

    /// <summary>Parses the re-ranking options of the command line; messages name the option.</summary>
    /// <param name="diversity"><c>--diversity</c> λ.</param>
    /// <param name="popularityPenalty"><c>--popularity-penalty</c> β.</param>
    /// <param name="exploration"><c>--exploration</c> ε.</param>
    /// <param name="candidatePool"><c>--candidate-pool</c>.</param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public static RankingSettings ParseRanking(float diversity, float popularityPenalty, float exploration, int candidatePool)
    {
        if (!(diversity >= 0 && diversity <= 1))
            throw new ArgumentException($"--diversity must be from 0 to 1, not {diversity}.");
        if (!(popularityPenalty >= 0) || !float.IsFinite(popularityPenalty))
            throw new ArgumentException($"--popularity-penalty must be a finite non-negative number, not {popularityPenalty}.");
        if (!(exploration >= 0 && exploration < 1))
            throw new ArgumentException($"--exploration must be at least 0 and less than 1, not {exploration}.");
        if (candidatePool < 1)
            throw new ArgumentException($"--candidate-pool must be at least 1, not {candidatePool}.");
        return new RankingSettings
        {
            Diversity = diversity, PopularityPenalty = popularityPenalty, ExplorationShare = exploration, CandidatePool = candidatePool,
        };
    }

    // The evaluated ALS model's own factors, or a reference ALS's trained on the same (signal) training matrix.
    private static (ItemVectors Vectors, string Source) ItemVectorsFor(
        IRecommenderModel model, InteractionMatrix train, ModelSpec spec, IProgress<TrainingProgress>? training, CancellationToken cancellationToken)
    {
        if (model is AlsModel als)
            return (ItemVectors.Normalize(als.ItemFactors, als.Factors), "als item factors (the evaluated model)");
        var options = ReferenceVectorOptions(spec.EffectiveThreads, spec.Seed);
        var reference = (AlsModel)new AlsModelTrainer(options).Fit(train, training, cancellationToken);
        return (ItemVectors.Normalize(reference.ItemFactors, reference.Factors),
            $"als item factors (reference: {options.Factors} factors, {options.Iterations} iterations, alpha {options.Alpha}, lambda {options.Regularization}, same training split)");
    }

    // Training users with a positive signal per item, and the number of users with any: what novelty's share is of.
    private static (float[] Counts, int Users) Popularity(InteractionMatrix train)
    {
        var counts = new PopularityTrainer().Fit(train).Counts.ToArray();
        int users = 0;
        for (int u = 0; u < train.Rows; u++)
        {
            foreach (float weight in train.RowWeights(u))
            {
                if (weight > 0)
                {
                    users++;
                    break;
                }
            }
        }
        return (counts, users);
    }

    /// <summary>Ranking metrics of <paramref name="model"/> on a split, keyed <c>time.recall@K</c> etc. (by <paramref name="protocol"/>) for the registry.</summary>
    public static Dictionary<string, double> SplitMetrics(IRecommenderModel model, string protocol, SplitMatrices split, int k, int threads, CancellationToken cancellationToken)
    {
        var result = RankingEvaluator.Evaluate(model, split.FoldIn, split.Test, new EvaluationOptions { K = k, Threads = threads }, null, cancellationToken);
        return result.ToDictionary().ToDictionary(p => $"{protocol}.{p.Key}", p => p.Value);
    }
}
