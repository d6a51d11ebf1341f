using Personalization.Recommender;

namespace Personalization.Trainer.Models;

/// <summary>
/// Which model to train and with what hyper-parameters, as given on the command line or in configuration. Unset
/// values take each model's own default (EASE's λ is in the hundreds, ALS's a tenth).
/// </summary>
public sealed record ModelSpec
{
    /// <summary>The model names the trainer knows.</summary>
    public static readonly IReadOnlyList<string> Names = ["als", "ease", "mf", "multvae", "popularity", "sasrec"];

    /// <summary>Model name: als, ease, mf, multvae, popularity or sasrec.</summary>
    public string Model { get; init; } = "als";

    /// <summary>Latent factors (als, mf).</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Iterations (als) or epochs (mf, multvae, sasrec); null for the model's default.</summary>
    public int? Iterations { get; init; }

    /// <summary>Regularization λ; null for the model's default.</summary>
    public float? Regularization { get; init; }

    /// <summary>Confidence scale α (als).</summary>
    public float Alpha { get; init; } = AlsOptions.DefaultAlpha;

    /// <summary>Row solver (als).</summary>
    public AlsSolver Solver { get; init; } = AlsSolver.ConjugateGradient;

    /// <summary>Threads; 0 for all cores.</summary>
    public int Threads { get; init; }

    /// <summary>Random seed of the initialization.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>λ as given, or the model's own default (ALS 20, EASE 500, MF its factor regularization); 0 for popularity.</summary>
    public float EffectiveRegularization => Regularization ?? Model switch
    {
        "als" => AlsOptions.DefaultRegularization,
        "ease" => (float)new Recommender.Models.EaseOptions().Regularization,
        "mf" => new Recommender.Models.BiasedMfOptions().FactorRegularization,
        _ => 0f,
    };

    /// <summary>The ALS settings this spec names (whatever its model: the reference ALS and the new-item protocol use them too).</summary>
    public AlsOptions ToAlsOptions() => new()
    {
        Factors = Factors, Iterations = Iterations ?? 15, Regularization = Model == "als" ? EffectiveRegularization : Regularization ?? AlsOptions.DefaultRegularization,
        Alpha = Alpha, Solver = Solver, Threads = EffectiveThreads, Seed = Seed,
    };

    /// <summary>The thread count to use.</summary>
    public int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;

    /// <summary>Checks the name and ranges; messages name the option.</summary>
    /// <exception cref="ArgumentException">A value is not allowed.</exception>
    public void Validate()
    {
        if (!Names.Contains(Model))
            throw new ArgumentException($"--model must be one of {string.Join(", ", Names)}, not '{Model}'.");
        if (Factors < 1)
            throw new ArgumentException($"--factors must be at least 1, not {Factors}.");
        if (Iterations is < 1)
            throw new ArgumentException($"--iterations must be at least 1, not {Iterations}.");
        if (Regularization is { } r && (!(r >= 0) || !float.IsFinite(r)))
            throw new ArgumentException($"--regularization must be a finite non-negative number, not {r}.");
        if (!(Alpha >= 0) || !float.IsFinite(Alpha))
            throw new ArgumentException($"--alpha must be a finite non-negative number, not {Alpha}.");
        if (Threads < 0)
            throw new ArgumentException($"--threads must be 0 (all cores) or more, not {Threads}.");
    }
}
