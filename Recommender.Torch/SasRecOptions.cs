namespace Personalization.Recommender.Torch;

/// <summary>Hyper-parameters and execution settings of <see cref="SasRecTrainer"/>.</summary>
public sealed class SasRecOptions
{
    /// <summary>Hidden size d (the paper: 50 on MovieLens-1M; 64 here, the serving factor count).</summary>
    public int Dimensions { get; init; } = 64;

    /// <summary>The most recent items read, L (the paper: 200 on MovieLens-1M).</summary>
    public int MaxLength { get; init; } = 50;

    /// <summary>Attention blocks (the paper: 2).</summary>
    public int Blocks { get; init; } = 2;

    /// <summary>Dropout on the embeddings, attention weights and feed-forward layers (the paper: 0.2 on MovieLens-1M).</summary>
    public double Dropout { get; init; } = 0.2;

    /// <summary>Passes over the training users.</summary>
    public int Epochs { get; init; } = 100;

    /// <summary>Users per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Adam's learning rate (the paper: 0.001).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>L2 weight decay of Adam.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Seed of the initialization, the batches and the dropout.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Threads libtorch may use.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the property's.</exception>
    public void Validate()
    {
        if (Dimensions < 1) throw new ArgumentOutOfRangeException(nameof(Dimensions), Dimensions, "Dimensions must be at least 1.");
        if (MaxLength < 2) throw new ArgumentOutOfRangeException(nameof(MaxLength), MaxLength, "MaxLength must be at least 2.");
        if (Blocks < 1) throw new ArgumentOutOfRangeException(nameof(Blocks), Blocks, "Blocks must be at least 1.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "Dropout must be in [0, 1).");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "Epochs must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be finite and positive.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "WeightDecay must be finite and not negative.");
        if (Threads < 1) throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
    }
}
