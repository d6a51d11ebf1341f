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
/// holdout split, trains it on everything, learns the catalog's content mapping into the new factor space, and
/// publishes it as the next registry version unless it is worse than the serving model by more than the publish margin.
/// </summary>
public sealed class TrainingPipeline(
    IInteractionHistory history, ICatalogStore catalog, IModelStore models, SignalPolicy signals, ILogger<TrainingPipeline> logger)
{
    /// <summary>Trains on everything in the history, gates the candidate against the newest published model, and publishes it if it passes.</summary>
    /// <param name="options">Hyper-parameters, evaluation and gate settings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The candidate and the registry's decision.</returns>
    /// <exception cref="InvalidOperationException">The history is empty.</exception>
    /// <exception cref="ArgumentException">A content mapping setting is out of range.</exception>
    public async Task<TrainingOutcome> TrainAndPublishAsync(TrainingOptions options, CancellationToken cancellationToken)
    {
        var total = Stopwatch.StartNew();
        OfflineEvaluation.ParseProtocol(options.GateProtocol);
        if (options.LearnContentMapping)
        {
            // Bad content settings fail before the history is read, not after ALS has run.
            options.ToContentOptions().Validate();
            if (!(options.ContentHoldoutFraction is >= 0 and < 1))
                throw new ArgumentOutOfRangeException(nameof(options), options.ContentHoldoutFraction, "ContentHoldoutFraction must be in [0, 1).");
        }
        var data = await TrainingData.BuildAsync(history.ReadAllAsync(cancellationToken), signals, cancellationToken);
        if (data.Matrix.NonZeros == 0) throw new InvalidOperationException("The interaction history is empty: there is nothing to train on.");
        logger.LogInformation("Training ALS on {Events} events: {Users} users x {Items} items, {NonZeros} non-zeros, {Factors} factors, {Iterations} iterations",
            data.Events, data.UserIds.Length, data.ItemIds.Length, data.Matrix.NonZeros, options.Factors, options.Iterations);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        var version = await models.NextVersionAsync(cancellationToken);
        var current = (await models.ListAsync(cancellationToken)).FirstOrDefault();
        if (options.Model is MultVaeModel.ModelName or SasRecModel.ModelName)
            return await TrainNeuralAsync(options, data, version, current, metrics, total, cancellationToken);
        if (options.Model != "als") throw new ArgumentException($"Training:Model must be als, multvae or sasrec, not '{options.Model}'.", nameof(options));
        var (regularization, alpha) = await HyperparametersAsync(options, data, version, current, metrics, cancellationToken);
        var als = options.ToAlsOptions(regularization, alpha);

        if (options.Evaluate) await GateMetricsAsync(new AlsModelTrainer(als), data, data.Matrix, options, als.Threads, metrics, cancellationToken);

        var progress = new Progress<AlsIterationReport>(r => logger.LogInformation(
            "ALS iteration {Iteration}/{Iterations}: loss {Loss:E4} in {Seconds:F2} s", r.Iteration, options.Iterations, r.Loss, r.Elapsed.TotalSeconds));
        var result = await Task.Run(() => new ImplicitAlsTrainer(als).Fit(data.Matrix, progress, cancellationToken), cancellationToken);
        var content = options.LearnContentMapping
            ? await LearnContentAsync(options, data.ItemIds, result.ItemFactors, metrics, cancellationToken)
            : null;
        metrics["train.seconds"] = total.Elapsed.TotalSeconds;
        metrics["train.users"] = data.UserIds.Length;
        metrics["train.items"] = data.ItemIds.Length;
        metrics["train.nonzeros"] = data.Matrix.NonZeros;
        metrics["train.events"] = data.Events;
        if (result.Iterations.Count > 0 && !double.IsNaN(result.Iterations[^1].Loss)) metrics["train.loss"] = result.Iterations[^1].Loss;

        var model = new FactorModel(
            version: version,
            trainedAt: DateTimeOffset.UtcNow,
            dataCutoff: data.DataCutoff,
            factors: options.Factors,
            alpha: als.Alpha,
            regularization: als.Regularization,
            itemIds: data.ItemIds,
            itemFactors: result.ItemFactors,
            gram: GramMatrix.Compute(result.ItemFactors, data.ItemIds.Length, options.Factors, als.Threads),
            itemPopularity: data.ItemPopularity(),
            metrics: metrics,
            content: content,
            userGram: GramMatrix.Compute(result.UserFactors, result.Users, options.Factors, als.Threads),
            users: result.Users);

        return await GateAndPublishAsync(model, options, metrics, current, total, cancellationToken);
    }

    /// <summary>
    /// Publishes item factors trained elsewhere (Spark MLlib's implicit ALS, when the interaction matrix no longer fits
    /// one machine) as the next registry version: popularity, cutoff and content mapping come from this store's history
    /// and catalog, YᵀY from the factors, XᵀX from the user factors when given. Users are folded in by the silos, so
    /// <paramref name="options"/>' α and λ must be the ones the factors were trained with. The gate evaluates the
    /// candidate and the serving ALS model on the same split of the history, both by fold-in, and holds the candidate
    /// back if it is worse by more than the margin (a wrong id column or a broken job shows as a collapse here).
    /// </summary>
    /// <param name="items">The item factors (id, vector).</param>
    /// <param name="users">The user factors, for the item side's fold-in of live item vectors; null to leave it out.</param>
    /// <param name="options">α, λ, gate protocol, metric and margin, content mapping settings.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <exception cref="InvalidOperationException">The history is empty, or none of its items is in <paramref name="items"/>.</exception>
    /// <exception cref="ArgumentException">The user factors have another length than the item factors.</exception>
    public async Task<TrainingOutcome> ImportAndPublishAsync(Datasets.FactorTable items, Datasets.FactorTable? users, TrainingOptions options,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(options);
        var total = Stopwatch.StartNew();
        OfflineEvaluation.ParseProtocol(options.GateProtocol);
        var k = items.Dimensions;
        if (users is not null && users.Dimensions != k)
            throw new ArgumentException($"The user factors have {users.Dimensions} dimensions, the item factors {k}.", nameof(users));
        var data = await TrainingData.BuildAsync(history.ReadAllAsync(cancellationToken), signals, cancellationToken);
        if (data.Matrix.NonZeros == 0) throw new InvalidOperationException("The interaction history is empty: there is nothing to gate the factors on.");

        var positions = new Dictionary<string, int>(items.Rows, StringComparer.Ordinal);
        for (var i = 0; i < items.Rows; i++) positions[items.Ids[i]] = i;
        var historyPopularity = data.ItemPopularity();
        var popularity = new float[items.Rows];
        var covered = 0;
        for (var j = 0; j < data.ItemIds.Length; j++)
        {
            if (!positions.TryGetValue(data.ItemIds[j], out var row)) continue;
            popularity[row] = historyPopularity[j];
            covered++;
        }
        if (covered == 0)
            throw new InvalidOperationException($"None of the history's {data.ItemIds.Length} items is among the {items.Rows} imported ids (e.g. '{items.Ids[0]}'): is the id column the catalog's item id?");
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["import.items"] = items.Rows,
            ["import.history_items_covered"] = (double)covered / data.ItemIds.Length,
            ["train.users"] = data.UserIds.Length,
            ["train.items"] = data.ItemIds.Length,
            ["train.events"] = data.Events,
        };
        var version = await models.NextVersionAsync(cancellationToken);
        var current = (await models.ListAsync(cancellationToken)).FirstOrDefault();
        logger.LogInformation("Importing {Items} x {Factors} item factors ({Users} user rows): {Covered} of the history's {HistoryItems} items covered",
            items.Rows, k, users?.Rows ?? 0, covered, data.ItemIds.Length);

        var threads = Environment.ProcessorCount;
        if (options.Evaluate)
        {
            var split = OfflineEvaluation.Split(data, options.GateProtocol, options.TestFraction, lastN: 1, options.EvaluationSeed).Apply(data.Matrix);
            foreach (var (name, value) in OfflineEvaluation.SplitMetrics(FoldInView(items.Ids, items.Factors, k, options.Alpha, options.Regularization, data.ItemIds),
                options.GateProtocol, split, options.K, threads, cancellationToken))
                metrics[name] = value;
            // The serving model is judged again on this very split, so the gate compares like with like.
            if (current is not null && await models.LoadAsync(current.Version, cancellationToken) is { Encoder: null, Sequence: null } serving)
            {
                var again = OfflineEvaluation.SplitMetrics(FoldInView(serving.ItemIds, serving.ItemFactors, serving.Factors, serving.Alpha, serving.Regularization, data.ItemIds),
                    options.GateProtocol, split, options.K, threads, cancellationToken);
                current = current with { Metrics = again };
            }
        }

        var content = options.LearnContentMapping ? await LearnContentAsync(options, items.Ids, items.Factors, metrics, cancellationToken) : null;
        metrics["train.seconds"] = total.Elapsed.TotalSeconds;
        var model = new FactorModel(
            version: version,
            trainedAt: DateTimeOffset.UtcNow,
            dataCutoff: data.DataCutoff,
            factors: k,
            alpha: options.Alpha,
            regularization: options.Regularization,
            itemIds: items.Ids,
            itemFactors: items.Factors,
            gram: GramMatrix.Compute(items.Factors, items.Rows, k, threads),
            itemPopularity: popularity,
            metrics: metrics,
            content: content,
            userGram: users is null ? null : GramMatrix.Compute(users.Factors, users.Rows, k, threads),
            users: users?.Rows ?? 0);
        return await GateAndPublishAsync(model, options, metrics, current, total, cancellationToken);
    }

    // A factor model laid out in the history's item order, for evaluating on its matrices: items the model lacks get a
    // zero vector (never ranked above a positive score).
    private static AlsModel FoldInView(string[] modelIds, float[] modelFactors, int k, float alpha, float regularization, string[] historyIds)
    {
        var rows = new Dictionary<string, int>(modelIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < modelIds.Length; i++) rows[modelIds[i]] = i;
        var aligned = new float[historyIds.Length * k];
        for (var j = 0; j < historyIds.Length; j++)
            if (rows.TryGetValue(historyIds[j], out var row))
                modelFactors.AsSpan(row * k, k).CopyTo(aligned.AsSpan(j * k, k));
        return new AlsModel(k, alpha, regularization, aligned, null,
            new Dictionary<string, double> { ["factors"] = k, ["alpha"] = alpha, ["regularization"] = regularization });
    }

    /// <summary>
    /// Trains a candidate on the gate split's training part of <paramref name="input"/> (the units the model reads) and
    /// records its metrics on the held-out part, which the publish gate compares with the serving model's.
    /// </summary>
    private async Task GateMetricsAsync(IModelTrainer trainer, TrainingData data, InteractionMatrix input, TrainingOptions options, int threads,
        Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var evaluation = Stopwatch.StartNew();
        var protocol = options.GateProtocol;
        var split = OfflineEvaluation.Split(data, protocol, options.TestFraction, lastN: 1, options.EvaluationSeed).Apply(input);
        var candidate = await Task.Run(() => trainer.Fit(split.Train, cancellationToken: cancellationToken), cancellationToken);
        var evaluated = OfflineEvaluation.SplitMetrics(candidate, protocol, split, options.K, threads, cancellationToken);
        // A split with nobody to judge (e.g. every event in the same second under "time") says nothing: the gate then
        // publishes as configured instead of comparing a zero.
        if (evaluated.GetValueOrDefault($"{protocol}.users") > 0)
            foreach (var (name, value) in evaluated) metrics[name] = value;
        else
            logger.LogWarning("The {Protocol} evaluation split left no user to judge; the candidate is not gated", protocol);
        logger.LogInformation("Evaluation of {Model} ({Protocol}, {TestFraction:P0} held out, K={K}): recall {Recall:F4}, NDCG {Ndcg:F4} (95% {Low:F4}-{High:F4}) over {Users} users in {Seconds:F1} s",
            trainer.Name, protocol, options.TestFraction, options.K, metrics.GetValueOrDefault($"{protocol}.recall@{options.K}"), metrics.GetValueOrDefault($"{protocol}.ndcg@{options.K}"),
            metrics.GetValueOrDefault($"{protocol}.ndcg@{options.K}.ci95.low"), metrics.GetValueOrDefault($"{protocol}.ndcg@{options.K}.ci95.high"),
            metrics.GetValueOrDefault($"{protocol}.users"), evaluation.Elapsed.TotalSeconds);
    }

    /// <summary>Publishes the candidate unless the gate holds it back against the serving model.</summary>
    private async Task<TrainingOutcome> GateAndPublishAsync(FactorModel model, TrainingOptions options, Dictionary<string, double> metrics, ModelInfo? current,
        Stopwatch total, CancellationToken cancellationToken)
    {
        var (publish, reason) = PublishGate.Decide(options, metrics, current);
        if (!publish)
        {
            logger.LogWarning("Candidate not published: {Reason}", reason);
            return new TrainingOutcome(model, false, reason, current?.Version);
        }
        await models.PublishAsync(model, cancellationToken);
        logger.LogInformation("Published {Kind} model v{Version} in {Seconds:F1} s: {Reason}", Grains.Serving.ServingModel.FamilyOf(model), model.Version,
            total.Elapsed.TotalSeconds, reason);
        return new TrainingOutcome(model, true, reason, current?.Version);
    }

    /// <summary>
    /// A neural model for the cluster (Mult-VAE or SASRec): the same gate split and publish gate as ALS, on the input the
    /// model reads (signals, or each user's history order), then the model trained on everything and published as a
    /// factor model with its user side (<see cref="MultVaeModel.ToFactorModel"/>, <see cref="SasRecModel.ToFactorModel"/>).
    /// </summary>
    private async Task<TrainingOutcome> TrainNeuralAsync(TrainingOptions options, TrainingData data, long version, ModelInfo? current,
        Dictionary<string, double> metrics, Stopwatch total, CancellationToken cancellationToken)
    {
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        IModelTrainer trainer = options.Model == SasRecModel.ModelName
            ? new Recommender.Torch.SasRecTrainer(new Recommender.Torch.SasRecOptions { Dimensions = options.Factors, Epochs = options.Iterations, Seed = options.Seed, Threads = threads })
            : new Recommender.Torch.MultVaeTrainer(new Recommender.Torch.MultVaeOptions { Latent = options.Factors, Epochs = options.Iterations, Seed = options.Seed, Threads = threads });
        var input = data.InputFor(options.Model);
        var progress = new Progress<TrainingProgress>(p => logger.LogInformation(
            "{Model} epoch {Epoch}/{Epochs}: loss {Loss:F3} in {Seconds:F2} s", p.Model, p.Step, p.Steps, p.Loss, p.Elapsed.TotalSeconds));
        if (options.Evaluate) await GateMetricsAsync(trainer, data, input, options, threads, metrics, cancellationToken);
        var trained = await Task.Run(() => trainer.Fit(input, progress, cancellationToken), cancellationToken);
        metrics["train.seconds"] = total.Elapsed.TotalSeconds;
        metrics["train.users"] = data.UserIds.Length;
        metrics["train.items"] = data.ItemIds.Length;
        metrics["train.events"] = data.Events;
        foreach (var (name, value) in trained.Parameters) metrics[$"{options.Model}.{name}"] = value;
        var now = DateTimeOffset.UtcNow;
        var model = trained switch
        {
            MultVaeModel vae => vae.ToFactorModel(version, now, data.DataCutoff, data.ItemIds, data.ItemPopularity(), metrics),
            SasRecModel sasrec => sasrec.ToFactorModel(version, now, data.DataCutoff, data.ItemIds, data.ItemPopularity(), metrics),
            _ => throw new InvalidOperationException($"{trained.Name} has no serving form."),
        };
        return await GateAndPublishAsync(model, options, metrics, current, total, cancellationToken);
    }

    // Fits the content mapping on the trained items' catalog genres and tags and records how well it reproduces their
    // factors; null when no feature is on enough items (e.g. an empty catalog). Metrics stay finite: the registry
    // stores them as JSON, which has no NaN.
    /// <summary>
    /// λ and α for this training: the configured ones, or (with <see cref="TrainingOptions.RetuneEvery"/>) the ones the
    /// registry's newest model carries, re-searched once that many versions have passed. They are written into this
    /// model's metrics either way, so the next training finds them.
    /// </summary>
    private async Task<(float Regularization, float Alpha)> HyperparametersAsync(
        TrainingOptions options, TrainingData data, long version, ModelInfo? current, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        if (options.RetuneEvery <= 0) return (options.Regularization, options.Alpha);
        var stored = current?.Metrics;
        if (stored is not null && stored.TryGetValue("tuned.version", out var tunedAt) && version - (long)tunedAt < options.RetuneEvery
            && stored.TryGetValue("tuned.regularization", out var storedRegularization) && stored.TryGetValue("tuned.alpha", out var storedAlpha))
        {
            foreach (var key in stored.Keys.Where(k => k.StartsWith("tuned.", StringComparison.Ordinal))) metrics[key] = stored[key];
            logger.LogInformation("Using the settings tuned at v{Version}: regularization {Regularization:G4}, alpha {Alpha:G4}", (long)tunedAt, storedRegularization, storedAlpha);
            return ((float)storedRegularization, (float)storedAlpha);
        }
        var clock = Stopwatch.StartNew();
        var spec = new Models.ModelSpec
        {
            Model = "als", Factors = options.Factors, Iterations = options.Iterations, Regularization = options.Regularization, Alpha = options.Alpha,
            Solver = options.Solver, Threads = options.Threads, Seed = options.Seed,
        };
        // The search sees only the gate split's training part, so the gate's test data stays unseen by the tuning too.
        var gateTraining = data.TrainingPart(OfflineEvaluation.Split(data, options.GateProtocol, options.TestFraction, lastN: 1, options.EvaluationSeed));
        var search = await Task.Run(() => Tuning.ModelTuner.Search(gateTraining, spec, options.GateProtocol, options.TestFraction, lastN: 1, options.EvaluationSeed,
            options.K, options.TuneConfigurations, cancellationToken: cancellationToken), cancellationToken);
        var (regularization, alpha) = (search.Best["regularization"], search.Best["alpha"]);
        metrics["tuned.version"] = version;
        metrics["tuned.regularization"] = regularization;
        metrics["tuned.alpha"] = alpha;
        metrics[$"tuned.validation_ndcg@{options.K}"] = search.Score;
        metrics["tuned.trials"] = search.Trials.Count;
        metrics["tuned.seconds"] = clock.Elapsed.TotalSeconds;
        logger.LogInformation("Tuned ALS on a {Protocol} validation split in {Seconds:F1} s ({Trials} trials): regularization {Regularization:G4}, alpha {Alpha:G4}, NDCG@{K} {Ndcg:F4}",
            options.GateProtocol, clock.Elapsed.TotalSeconds, search.Trials.Count, regularization, alpha, options.K, search.Score);
        return ((float)regularization, (float)alpha);
    }

    private async Task<ContentMapping?> LearnContentAsync(
        TrainingOptions options, string[] itemIds, float[] itemFactors, Dictionary<string, double> metrics, CancellationToken cancellationToken)
    {
        var timer = Stopwatch.StartNew();
        var items = new Dictionary<string, CatalogItem>(StringComparer.Ordinal);
        foreach (var item in await catalog.ReadAllAsync(cancellationToken)) items[item.ItemId] = item;
        var features = new IReadOnlyList<string>[itemIds.Length];
        var withFeatures = 0;
        for (var i = 0; i < itemIds.Length; i++)
        {
            features[i] = items.TryGetValue(itemIds[i], out var item) ? ContentMapping.FeaturesOf(item.Genres, item.Tags) : [];
            if (features[i].Count > 0) withFeatures++;
        }
        var quality = await Task.Run(() => ContentMappingEvaluation.FitAndEvaluate(
            features, itemFactors, options.Factors, options.ToContentOptions(), options.ContentHoldoutFraction, options.EvaluationSeed), cancellationToken);

        metrics["content.features"] = quality.Mapping.Features.Length;
        if (!double.IsNaN(quality.Cosine)) metrics["content.cosine"] = quality.Cosine;
        if (!double.IsNaN(quality.HoldoutCosine))
        {
            metrics["content.holdout_cosine"] = quality.HoldoutCosine;
            metrics["content.holdout_coverage"] = (double)quality.HoldoutItems / quality.HeldOut;
        }
        if (quality.Mapping.Features.Length == 0)
        {
            logger.LogWarning("No content mapping: {WithFeatures} of {Items} trained items have genres or tags, and no feature is on {MinItems} of them",
                withFeatures, itemIds.Length, options.ContentMinItems);
            return null;
        }
        logger.LogInformation(
            "Content mapping: {Features} features from {WithFeatures} of {Items} items; mean cosine to the trained factors {Cosine:F3}, on {HeldOut} held-out items {HoldoutCosine:F3} ({HoldoutItems} mappable) in {Seconds:F1} s",
            quality.Mapping.Features.Length, withFeatures, itemIds.Length, quality.Cosine, quality.HeldOut, quality.HoldoutCosine, quality.HoldoutItems, timer.Elapsed.TotalSeconds);
        return quality.Mapping;
    }
}
