using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Models;
using Personalization.Storage;
using Personalization.Trainer.Evaluation;

namespace Personalization.Trainer.Training;

/// <summary>
/// Batch training for the cluster: reads the interaction history, evaluates a candidate implicit-ALS model on a
/// holdout split, trains it on everything, and publishes it as the next registry version unless it is worse than the
/// serving model by more than the publish margin.
/// </summary>
public sealed class TrainingPipeline(IInteractionHistory history, IModelStore models, SignalPolicy signals, ILogger<TrainingPipeline> logger)
{
    /// <summary>Trains on everything in the history, gates the candidate against the newest published model, and publishes it if it passes.</summary>
    /// <param name="options">Hyper-parameters, evaluation and gate settings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The candidate and the registry's decision.</returns>
    /// <exception cref="InvalidOperationException">The history is empty.</exception>
    public async Task<TrainingOutcome> TrainAndPublishAsync(TrainingOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var data = await TrainingData.BuildAsync(history.ReadAllAsync(cancellationToken), signals, cancellationToken);
        if (data.Matrix.NonZeros == 0) throw new InvalidOperationException("The interaction history is empty: there is nothing to train on.");
        logger.LogInformation("Training ALS on {Events} events: {Users} users x {Items} items, {NonZeros} non-zeros, {Factors} factors, {Iterations} iterations",
            data.Events, data.UserIds.Length, data.ItemIds.Length, data.Matrix.NonZeros, options.Factors, options.Iterations);
        var als = options.ToAlsOptions();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);

        if (options.Evaluate)
        {
            var evaluation = Stopwatch.StartNew();
            var split = EvaluationSplit.Holdout(data.Matrix, options.TestFraction, options.EvaluationSeed).Apply(data.Matrix);
            var candidate = await Task.Run(() => new AlsModelTrainer(als).Fit(split.Train, cancellationToken: cancellationToken), cancellationToken);
            foreach (var (name, value) in OfflineEvaluation.HoldoutMetrics(candidate, split, options.K, als.Threads, cancellationToken))
                metrics[name] = value;
            logger.LogInformation("Holdout evaluation ({TestFraction:P0} of each user, K={K}): recall {Recall:F4}, NDCG {Ndcg:F4} over {Users} users in {Seconds:F1} s",
                options.TestFraction, options.K, metrics.GetValueOrDefault($"holdout.recall@{options.K}"), metrics.GetValueOrDefault($"holdout.ndcg@{options.K}"),
                metrics.GetValueOrDefault("holdout.users"), evaluation.Elapsed.TotalSeconds);
        }

        var progress = new Progress<AlsIterationReport>(r => logger.LogInformation(
            "ALS iteration {Iteration}/{Iterations}: loss {Loss:E4} in {Seconds:F2} s", r.Iteration, options.Iterations, r.Loss, r.Elapsed.TotalSeconds));
        var result = await Task.Run(() => new ImplicitAlsTrainer(als).Fit(data.Matrix, progress, cancellationToken), cancellationToken);
        metrics["train.seconds"] = total.Elapsed.TotalSeconds;
        metrics["train.users"] = data.UserIds.Length;
        metrics["train.items"] = data.ItemIds.Length;
        metrics["train.nonzeros"] = data.Matrix.NonZeros;
        metrics["train.events"] = data.Events;
        if (result.Iterations.Count > 0 && !double.IsNaN(result.Iterations[^1].Loss)) metrics["train.loss"] = result.Iterations[^1].Loss;

        var model = new FactorModel(
            version: await models.NextVersionAsync(cancellationToken),
            trainedAt: DateTimeOffset.UtcNow,
            dataCutoff: data.DataCutoff,
            factors: options.Factors,
            alpha: options.Alpha,
            regularization: options.Regularization,
            itemIds: data.ItemIds,
            itemFactors: result.ItemFactors,
            gram: GramMatrix.Compute(result.ItemFactors, data.ItemIds.Length, options.Factors, als.Threads),
            itemPopularity: data.ItemPopularity(),
            metrics: metrics);

        var current = (await models.ListAsync(cancellationToken)).FirstOrDefault();
        var (publish, reason) = PublishGate.Decide(options, metrics, current);
        if (!publish)
        {
            logger.LogWarning("Candidate not published: {Reason}", reason);
            return new TrainingOutcome(model, false, reason, current?.Version);
        }
        await models.PublishAsync(model, cancellationToken);
        logger.LogInformation("Published model v{Version} in {Seconds:F1} s: {Reason}", model.Version, total.Elapsed.TotalSeconds, reason);
        return new TrainingOutcome(model, true, reason, current?.Version);
    }
}
