using System.Diagnostics;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Models;
using Personalization.Trainer.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Evaluation;

/// <summary>
/// Splits training data, trains a model on the training part and ranks the whole catalog for every evaluated user,
/// with the shared <see cref="RankingEvaluator"/>. Relevance always comes from the signal weights (a positive
/// signal), so explicit and implicit models are judged on the same test items.
/// </summary>
public static class OfflineEvaluation
{
    /// <summary>Parses a protocol name as used on the command line.</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static SplitProtocol ParseProtocol(string name) => name switch
    {
        "holdout" => SplitProtocol.Holdout,
        "users" => SplitProtocol.HeldOutUsers,
        _ => throw new ArgumentException($"--protocol must be 'holdout' or 'users', not '{name}'."),
    };

    /// <summary>The command-line name of a protocol.</summary>
    public static string ProtocolName(SplitProtocol protocol) => protocol == SplitProtocol.Holdout ? "holdout" : "users";

    /// <summary>Splits <paramref name="data"/>, trains, evaluates.</summary>
    /// <param name="data">All interactions.</param>
    /// <param name="dataset">Data set name for the report.</param>
    /// <param name="spec">The model.</param>
    /// <param name="protocol"><c>holdout</c>: a share of each user's entries; <c>users</c>: held-out users (Liang et al. 2018) folded in from 80 % of their history.</param>
    /// <param name="testFraction">Share of each user's entries (holdout) or of users (users) held out.</param>
    /// <param name="seed">Split seed.</param>
    /// <param name="k">Cut-off K.</param>
    /// <param name="training">Training progress.</param>
    /// <param name="evaluation">Evaluation progress.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    public static EvaluationReport Run(
        TrainingData data, string dataset, ModelSpec spec, SplitProtocol protocol, double testFraction, int seed, int k,
        IProgress<TrainingProgress>? training = null, IProgress<EvaluationProgress>? evaluation = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(spec);
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentException($"--test-fraction must be between 0 and 1 (exclusive), not {testFraction}.");
        if (k < 1)
            throw new ArgumentException($"--k must be at least 1, not {k}.");
        var trainer = ModelFactory.Create(spec);

        var split = protocol == SplitProtocol.Holdout
            ? EvaluationSplit.Holdout(data.Matrix, testFraction, seed)
            : EvaluationSplit.UsersByFraction(data.Matrix, testFraction, foldInFraction: 0.8, seed);
        var signals = split.Apply(data.Matrix);
        var input = spec.Explicit ? split.Apply(data.Ratings) : signals;

        var clock = Stopwatch.StartNew();
        var model = trainer.Fit(input.Train, training, cancellationToken);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var options = new EvaluationOptions { K = k, Threads = spec.EffectiveThreads, Seed = seed };
        var result = RankingEvaluator.Evaluate(model, input.FoldIn, signals.Test, options, evaluation, cancellationToken);
        var metrics = result.ToDictionary();
        // Explicit models also predict ratings: RMSE on the held-out ratings of training users (LIBMF's measure).
        if (model is BiasedMfModel mf && protocol == SplitProtocol.Holdout)
            metrics["rmse"] = mf.Rmse(input.Test);
        return new EvaluationReport(dataset, model.Name, ProtocolName(protocol), model.Parameters, testFraction, seed, k,
            metrics, trainSeconds, result.ElapsedSeconds);
    }

    /// <summary>Ranking metrics of <paramref name="model"/> on a holdout split, keyed <c>holdout.recall@K</c> etc. for the registry.</summary>
    public static Dictionary<string, double> HoldoutMetrics(IRecommenderModel model, SplitMatrices split, int k, int threads, CancellationToken cancellationToken)
    {
        var result = RankingEvaluator.Evaluate(model, split.FoldIn, split.Test, new EvaluationOptions { K = k, Threads = threads }, null, cancellationToken);
        return result.ToDictionary().ToDictionary(p => $"holdout.{p.Key}", p => p.Value);
    }
}
