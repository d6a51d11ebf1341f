namespace Personalization.Recommender;

/// <summary>Hyper-parameters and execution settings of <see cref="ImplicitAlsTrainer"/>.</summary>
public sealed class AlsOptions
{
    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Number of alternating iterations (each is a user step then an item step).</summary>
    public int Iterations { get; init; } = 10;

    /// <summary>
    /// L2 regularization λ applied to every factor vector; positive so every row system is positive definite. The
    /// default, with <see cref="Alpha"/>, is where <c>tune</c> landed on ml-latest-small and the synthetic catalog
    /// (docs/trainer.md): 20 against the textbook 0.1, because the summed signal weights here are small.
    /// </summary>
    public const float DefaultRegularization = 20f;

    /// <summary>Confidence scale α of <see cref="DefaultRegularization"/>'s pair.</summary>
    public const float DefaultAlpha = 1f;

    /// <summary>L2 regularization λ applied to every factor vector; positive so every row system is positive definite.</summary>
    public float Regularization { get; init; } = DefaultRegularization;

    /// <summary>Confidence scale α in c = 1 + α·|w| (see <see cref="ImplicitSignal"/>).</summary>
    public float Alpha { get; init; } = DefaultAlpha;

    /// <summary>Seed of the random initialization; the same seed and data give the same model.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Maximum number of threads used by training.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>How each row is solved: a few warm-started conjugate-gradient steps (fast) or an exact Cholesky solve.</summary>
    public AlsSolver Solver { get; init; } = AlsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and half-iteration (only for <see cref="AlsSolver.ConjugateGradient"/>).</summary>
    public int CgSteps { get; init; } = 3;

    /// <summary>Whether to compute the training loss after every iteration (costs about one extra pass over the data).</summary>
    public bool ComputeLoss { get; init; } = true;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range; the parameter name is the property's.</exception>
    public void Validate()
    {
        if (Factors < 1)
            throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "Factors must be at least 1.");
        if (Iterations < 1)
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "Iterations must be at least 1.");
        if (!(Regularization > 0) || !float.IsFinite(Regularization))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be finite and positive.");
        if (!(Alpha >= 0) || !float.IsFinite(Alpha))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be finite and non-negative.");
        if (CgSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(CgSteps), CgSteps, "CgSteps must be at least 1.");
        if (!Enum.IsDefined(Solver))
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown solver.");
        if (Threads < 1)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
    }
}

/// <summary>How <see cref="ImplicitAlsTrainer"/> solves each row's least-squares system.</summary>
public enum AlsSolver
{
    /// <summary>A few conjugate-gradient steps warm-started from the previous row (<see cref="ConjugateGradient"/>): O(k² + nnz·k) per row.</summary>
    ConjugateGradient,

    /// <summary>The exact solve (<see cref="FoldIn"/>): O(nnz·k² + k³) per row.</summary>
    Cholesky,
}
