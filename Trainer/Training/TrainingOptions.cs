using Personalization.Recommender;

namespace Personalization.Trainer.Training;

/// <summary>Training settings, bound from the <c>Training</c> section (and trainer CLI options).</summary>
public sealed class TrainingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Training";

    /// <summary>Latent factors.</summary>
    public int Factors { get; set; } = 64;

    /// <summary>ALS iterations.</summary>
    public int Iterations { get; set; } = 10;

    /// <summary>L2 regularization (lambda).</summary>
    public float Regularization { get; set; } = 0.1f;

    /// <summary>Confidence scale: c = 1 + alpha * |signal|.</summary>
    public float Alpha { get; set; } = 10f;

    /// <summary>Training threads (0: all cores).</summary>
    public int Threads { get; set; }

    /// <summary>Random seed of the factor initialization.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>The ALS options these settings mean.</summary>
    public AlsOptions ToAlsOptions() => new()
    {
        Factors = Factors, Iterations = Iterations, Regularization = Regularization, Alpha = Alpha, Seed = Seed,
        Threads = Threads > 0 ? Threads : Environment.ProcessorCount,
    };
}
