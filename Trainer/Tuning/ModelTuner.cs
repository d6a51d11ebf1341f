using System.Diagnostics;
using Personalization.Recommender;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Models;
using Personalization.Recommender.Reranking;
using Personalization.Recommender.Tuning;
using Personalization.Trainer.Evaluation;
using Personalization.Trainer.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Tuning;

/// <summary>
/// Tunes a model's hyperparameters without touching its test data: the protocol's split gives train and test; a
/// second split of the same protocol, carved from the training part, gives the validation data the search scores on
/// (NDCG@K); then the defaults and the chosen settings are each trained on the whole training part and judged on the
/// test part, with intervals, so the report says whether tuning helped beyond noise.
/// </summary>
public static class ModelTuner
{
    /// <summary>The ranges searched per model (log scale); empty for a model without hyperparameters.</summary>
    public static IReadOnlyList<SearchDimension> SpaceOf(string model) => model switch
    {
        "als" => [new("regularization", 0.01, 100), new("alpha", 0.1, 100)],
        "ease" => [new("regularization", 1, 10_000)],
        "mf" => [new("regularization", 0.001, 1)],
        "multvae" or "sasrec" => [new("regularization", 1e-6, 1e-2)],
        _ => [],
    };

    /// <summary>The budget (ALS iterations, MF epochs) of the first and last rounds; (1, 1) for models solved in one step.</summary>
    public static (int Min, int Max) BudgetOf(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Model switch
        {
            "als" => (2, spec.Iterations ?? 15),
            "mf" => (7, spec.Iterations ?? new BiasedMfOptions().Epochs),
            "multvae" => (10, spec.Iterations ?? new Recommender.Torch.MultVaeOptions().Epochs),
            "sasrec" => (10, spec.Iterations ?? new Recommender.Torch.SasRecOptions().Epochs),
            _ => (1, 1),
        };
    }

    /// <summary>The spec with the searched values (and, for models with a budget, that many iterations).</summary>
    public static ModelSpec With(ModelSpec spec, IReadOnlyDictionary<string, double> settings, int? budget = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(settings);
        var tuned = spec;
        if (settings.TryGetValue("regularization", out var regularization)) tuned = tuned with { Regularization = (float)regularization };
        if (settings.TryGetValue("alpha", out var alpha)) tuned = tuned with { Alpha = (float)alpha };
        if (budget is { } b && spec.Model is "als" or "mf") tuned = tuned with { Iterations = b };
        return tuned;
    }

    /// <summary>The values the spec starts from, in the order of <see cref="SpaceOf"/>: the search always tries them.</summary>
    public static double[] Defaults(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Model switch
        {
            "als" => [spec.EffectiveRegularization, spec.Alpha],
            "ease" or "mf" => [spec.EffectiveRegularization],
            _ => [],
        };
    }

    /// <summary>Runs the search and the before/after evaluation.</summary>
    public static TuningReport Run(
        TrainingData data, string dataset, ModelSpec spec, string protocol, double testFraction, int lastN, int seed, int k, int configurations,
        IProgress<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(data);
        var clock = Stopwatch.StartNew();
        var outer = OfflineEvaluation.Split(data, protocol, testFraction, lastN, seed);
        var search = Search(data.TrainingPart(outer), spec, protocol, testFraction, lastN, seed, k, configurations, progress, cancellationToken);
        double searchSeconds = clock.Elapsed.TotalSeconds;
        var (_, max) = BudgetOf(spec);
        var tuned = With(spec, search.Best, max == 1 ? null : max);

        var before = OfflineEvaluation.Run(data, dataset, spec, protocol, testFraction, seed, k, RankingSettings.Default, lastN: lastN, cancellationToken: cancellationToken);
        var after = OfflineEvaluation.Run(data, dataset, tuned, protocol, testFraction, seed, k, RankingSettings.Default, lastN: lastN, cancellationToken: cancellationToken);
        return new TuningReport(dataset, spec.Model, protocol, k, search.Best, search.Score, search.Trials, before, after, searchSeconds, clock.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The search alone: a validation split of <paramref name="protocol"/> carved from <paramref name="training"/>, and
    /// successive halving scored by NDCG@K on it. The cluster's pipeline runs this on all of its history.
    /// </summary>
    public static TuningResult Search(
        TrainingData training, ModelSpec spec, string protocol, double testFraction, int lastN, int seed, int k, int configurations,
        IProgress<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(training);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var space = SpaceOf(spec.Model);
        if (space.Count == 0) throw new ArgumentException($"{spec.Model} has no hyperparameters to tune.");
        var inner = OfflineEvaluation.Split(training, protocol, testFraction, lastN, seed + 1);
        var validationSignals = inner.Apply(training.Matrix);
        var validationInput = training.InputFor(spec.Model) is var units && !ReferenceEquals(units, training.Matrix) ? inner.Apply(units) : validationSignals;
        var options = new EvaluationOptions { K = k, Threads = spec.EffectiveThreads, Seed = seed };

        double Objective(double[] values, int budget)
        {
            var trial = With(spec, space.Select((d, i) => (d.Name, values[i])).ToDictionary(p => p.Name, p => p.Item2), budget);
            var model = ModelFactory.Create(trial).Fit(validationInput.Train, cancellationToken: cancellationToken);
            return RankingEvaluator.Evaluate(model, validationInput.FoldIn, validationSignals.Test, options, null, cancellationToken).Ndcg;
        }

        var (min, max) = BudgetOf(spec);
        return SuccessiveHalving.Run(space, Objective, configurations, min, max, eta: 3, seed, Defaults(spec), progress, cancellationToken);
    }
}

/// <summary>What a tuning run found.</summary>
/// <param name="Dataset">The data set.</param>
/// <param name="Model">The model tuned.</param>
/// <param name="Protocol">The protocol of both splits.</param>
/// <param name="K">The cut-off of the NDCG searched on.</param>
/// <param name="Chosen">The chosen values by parameter name.</param>
/// <param name="ValidationNdcg">Their NDCG@K on the validation split.</param>
/// <param name="Trials">Every trial of the search.</param>
/// <param name="Defaults">The defaults, trained on the training part and judged on the test part.</param>
/// <param name="Tuned">The chosen settings, judged the same way.</param>
/// <param name="SearchSeconds">Time of the search.</param>
/// <param name="TotalSeconds">Time with the two final evaluations.</param>
public sealed record TuningReport(
    string Dataset, string Model, string Protocol, int K, IReadOnlyDictionary<string, double> Chosen, double ValidationNdcg,
    IReadOnlyList<TuningTrial> Trials, EvaluationReport Defaults, EvaluationReport Tuned, double SearchSeconds, double TotalSeconds);
