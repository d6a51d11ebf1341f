using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Trainer.Training;

/// <summary>
/// Batch training: reads the interaction history, trains implicit ALS, and publishes the item side as
/// the next model version in the registry.
/// </summary>
public sealed class TrainingPipeline(IInteractionHistory history, IModelStore models, SignalPolicy signals, ILogger<TrainingPipeline> logger)
{
    /// <summary>Trains on everything in the history and stores the model; returns it.</summary>
    public async Task<FactorModel> TrainAndPublishAsync(TrainingOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        var data = await TrainingData.BuildAsync(history.ReadAllAsync(cancellationToken), signals, cancellationToken);
        if (data.Matrix.NonZeros == 0) throw new InvalidOperationException("The interaction history is empty: there is nothing to train on.");
        logger.LogInformation("Training ALS on {Events} events: {Users} users x {Items} items, {NonZeros} non-zeros, {Factors} factors, {Iterations} iterations",
            data.Events, data.UserIds.Length, data.ItemIds.Length, data.Matrix.NonZeros, options.Factors, options.Iterations);
        var als = options.ToAlsOptions();
        var progress = new Progress<AlsIterationReport>(r => logger.LogInformation(
            "ALS iteration {Iteration}/{Iterations}: loss {Loss:E4} in {Seconds:F2} s", r.Iteration, options.Iterations, r.Loss, r.Elapsed.TotalSeconds));
        var result = await Task.Run(() => new ImplicitAlsTrainer(als).Fit(data.Matrix, progress, cancellationToken), cancellationToken);
        var version = await models.NextVersionAsync(cancellationToken);
        var metrics = new Dictionary<string, double>
        {
            ["train.seconds"] = total.Elapsed.TotalSeconds,
            ["train.users"] = data.UserIds.Length,
            ["train.items"] = data.ItemIds.Length,
            ["train.nonzeros"] = data.Matrix.NonZeros,
            ["train.events"] = data.Events,
        };
        if (result.Iterations.Count > 0 && !double.IsNaN(result.Iterations[^1].Loss)) metrics["train.loss"] = result.Iterations[^1].Loss;
        var model = new FactorModel(
            version: version,
            trainedAt: DateTimeOffset.UtcNow,
            dataCutoff: data.DataCutoff,
            factors: options.Factors,
            alpha: options.Alpha,
            regularization: options.Regularization,
            itemIds: data.ItemIds,
            itemFactors: result.ItemFactors,
            gram: GramMatrix.Compute(result.ItemFactors, data.ItemIds.Length, options.Factors),
            itemPopularity: data.ItemPopularity(),
            metrics: metrics);
        await models.PublishAsync(model, cancellationToken);
        logger.LogInformation("Published model v{Version} in {Seconds:F1} s", version, total.Elapsed.TotalSeconds);
        return model;
    }
}
