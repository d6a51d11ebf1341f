namespace Personalization.Recommender.Models;

/// <summary>Hyper-parameters and execution settings of <see cref="EaseTrainer"/>.</summary>
public sealed class EaseOptions
{
    /// <summary>
    /// L2 regularization λ added to the diagonal of XᵀX. Larger values shrink the item–item weights; Steck reports
    /// values in the hundreds for MovieLens-sized data.
    /// </summary>
    public double Regularization { get; init; } = 500;

    /// <summary>
    /// Items with fewer users holding a positive value are left out of the learned matrix (and are scored below every
    /// learned item): they carry too little co-occurrence evidence to be worth a row and a column of the n² weights.
    /// </summary>
    public int MinItemUsers { get; init; } = 3;

    /// <summary>Maximum number of threads used by training; the model does not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the property's.</exception>
    public void Validate()
    {
        if (!(Regularization > 0) || !double.IsFinite(Regularization))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, "Regularization must be finite and positive.");
        if (MinItemUsers < 1)
            throw new ArgumentOutOfRangeException(nameof(MinItemUsers), MinItemUsers, "MinItemUsers must be at least 1.");
        if (Threads < 1)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
    }
}
