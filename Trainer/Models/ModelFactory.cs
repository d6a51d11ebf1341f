using Personalization.Recommender;
using Personalization.Recommender.Models;

namespace Personalization.Trainer.Models;

/// <summary>Creates the trainer a <see cref="ModelSpec"/> names.</summary>
public static class ModelFactory
{
    /// <summary>The trainer for <paramref name="spec"/>.</summary>
    /// <param name="spec">Model and hyper-parameters; validated here.</param>
    /// <exception cref="ArgumentException">The spec is invalid.</exception>
    public static IModelTrainer Create(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        return spec.Model switch
        {
            "als" => new AlsModelTrainer(new AlsOptions
            {
                Factors = spec.Factors, Iterations = spec.Iterations ?? 15, Regularization = spec.Regularization ?? 0.1f,
                Alpha = spec.Alpha, Solver = spec.Solver, Threads = spec.EffectiveThreads, Seed = spec.Seed,
            }),
            _ => throw new ArgumentException($"--model must be one of {string.Join(", ", ModelSpec.Names)}, not '{spec.Model}'."),
        };
    }
}
