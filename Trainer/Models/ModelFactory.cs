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
            "als" => new AlsModelTrainer(spec.ToAlsOptions()),
            "ease" => new EaseTrainer(new EaseOptions { Regularization = spec.EffectiveRegularization, Threads = spec.EffectiveThreads }),
            "mf" => new BiasedMfTrainer(new BiasedMfOptions
            {
                Factors = spec.Factors, Epochs = spec.Iterations ?? new BiasedMfOptions().Epochs,
                FactorRegularization = spec.EffectiveRegularization, Seed = spec.Seed,
            }),
            // Factors are the latent size, λ the weight decay; the hidden width is the paper's.
            "multvae" => new Recommender.Torch.MultVaeTrainer(new Recommender.Torch.MultVaeOptions
            {
                Latent = spec.Factors, Epochs = spec.Iterations ?? new Recommender.Torch.MultVaeOptions().Epochs,
                WeightDecay = spec.Regularization ?? 0f, Seed = spec.Seed, Threads = spec.EffectiveThreads,
            }),
            "popularity" => new PopularityTrainer(),
            // Factors are the hidden size, λ the weight decay.
            "sasrec" => new Recommender.Torch.SasRecTrainer(new Recommender.Torch.SasRecOptions
            {
                Dimensions = spec.Factors, Epochs = spec.Iterations ?? new Recommender.Torch.SasRecOptions().Epochs,
                WeightDecay = spec.Regularization ?? 0f, Seed = spec.Seed, Threads = spec.EffectiveThreads,
            }),
            _ => throw new ArgumentException($"--model must be one of {string.Join(", ", ModelSpec.Names)}, not '{spec.Model}'."),
        };
    }
}
