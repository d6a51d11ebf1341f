namespace Personalization.Recommender.Models;

/// <summary>Trains implicit ALS (<see cref="ImplicitAlsTrainer"/>) as an <see cref="IModelTrainer"/>.</summary>
/// <param name="options">ALS hyper-parameters, validated here.</param>
public sealed class AlsModelTrainer(AlsOptions options) : IModelTrainer
{
    private readonly ImplicitAlsTrainer _trainer = new(options);

    /// <inheritdoc />
    public string Name => "als";

    /// <inheritdoc />
    public IRecommenderModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var o = _trainer.Options;
        var reports = progress is null ? null : new InlineProgress(r => progress.Report(new TrainingProgress(Name, r.Iteration, o.Iterations, r.Loss, r.Elapsed)));
        var result = _trainer.Fit(userItems, reports, cancellationToken);
        return new AlsModel(o.Factors, o.Alpha, o.Regularization, result.ItemFactors, gram: null, new Dictionary<string, double>
        {
            ["factors"] = o.Factors,
            ["iterations"] = o.Iterations,
            ["regularization"] = o.Regularization,
            ["alpha"] = o.Alpha,
            ["cgSteps"] = o.Solver == AlsSolver.ConjugateGradient ? o.CgSteps : 0,
        });
    }

    // Forwards synchronously: Progress<T> would post to the thread pool and reorder reports.
    private sealed class InlineProgress(Action<AlsIterationReport> report) : IProgress<AlsIterationReport>
    {
        public void Report(AlsIterationReport value) => report(value);
    }
}
