namespace Personalization.Recommender.Torch;

/// <summary>Hyper-parameters and execution settings of <see cref="MultVaeTrainer"/>.</summary>
public sealed class MultVaeOptions
{
    /// <summary>Encoder hidden width H (the paper: 600).</summary>
    public int Hidden { get; init; } = 600;

    /// <summary>Latent size D. 64 by default, so serving scores the catalog at the cost of a 64-factor ALS model.</summary>
    public int Latent { get; init; } = 64;

    /// <summary>Passes over the training users.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>
    /// Users per step. 50: ml-latest-small's 489 training users then give 10 steps an epoch (the paper used 500 on ML-20M's
    /// 116,677 training users).
    /// </summary>
    public int BatchSize { get; init; } = 50;

    /// <summary>Adam's learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>L2 weight decay of Adam.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Share of a user's items dropped from the encoder's input at each step (the paper: 0.5).</summary>
    public double InputDropout { get; init; } = 0.5;

    /// <summary>The KL weight β grows linearly from 0 to this over <see cref="AnnealSteps"/> steps (the paper: 0.2).</summary>
    public double MaxBeta { get; init; } = 0.2;

    /// <summary>Steps over which β anneals; 0 means every step of training.</summary>
    public int AnnealSteps { get; init; }

    /// <summary>Seed of the initialization, the batches, the dropout and the reparameterization noise.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads libtorch may use.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the property's.</exception>
    public void Validate()
    {
        if (Hidden < 1) throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, "Hidden must be at least 1.");
        if (Latent < 1) throw new ArgumentOutOfRangeException(nameof(Latent), Latent, "Latent must be at least 1.");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be finite and positive.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be finite and not negative.");
        if (!(InputDropout >= 0 && InputDropout < 1))
            throw new ArgumentOutOfRangeException(nameof(InputDropout), InputDropout, "InputDropout must be in [0, 1).");
        if (!(MaxBeta >= 0) || !double.IsFinite(MaxBeta))
            throw new ArgumentOutOfRangeException(nameof(MaxBeta), MaxBeta, "MaxBeta must be finite and not negative.");
        if (AnnealSteps < 0) throw new ArgumentOutOfRangeException(nameof(AnnealSteps), AnnealSteps, "AnnealSteps must not be negative.");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
    }
}
