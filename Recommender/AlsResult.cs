namespace Personalization.Recommender;

/// <summary>The factors learned by <see cref="ImplicitAlsTrainer"/>.</summary>
public sealed class AlsResult
{
    /// <summary>Bundles trained factors; checks that the array lengths match the dimensions.</summary>
    /// <param name="factors">Number of latent factors k.</param>
    /// <param name="users">Number of users (rows of the training matrix).</param>
    /// <param name="items">Number of items (columns of the training matrix).</param>
    /// <param name="userFactors">Row-major users·k factors.</param>
    /// <param name="itemFactors">Row-major items·k factors.</param>
    /// <param name="iterations">One report per completed iteration.</param>
    /// <exception cref="ArgumentException">A length does not match.</exception>
    public AlsResult(int factors, int users, int items, float[] userFactors, float[] itemFactors, IReadOnlyList<AlsIterationReport> iterations)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(users);
        ArgumentOutOfRangeException.ThrowIfNegative(items);
        ArgumentNullException.ThrowIfNull(userFactors);
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentNullException.ThrowIfNull(iterations);
        if (userFactors.Length != (long)users * factors)
            throw new ArgumentException($"Expected {users}×{factors} user factors, got {userFactors.Length}.", nameof(userFactors));
        if (itemFactors.Length != (long)items * factors)
            throw new ArgumentException($"Expected {items}×{factors} item factors, got {itemFactors.Length}.", nameof(itemFactors));
        Factors = factors;
        Users = users;
        Items = items;
        UserFactors = userFactors;
        ItemFactors = itemFactors;
        Iterations = iterations;
    }

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>Number of users.</summary>
    public int Users { get; }

    /// <summary>Number of items.</summary>
    public int Items { get; }

    /// <summary>Row-major user factors, <see cref="Users"/>·<see cref="Factors"/> floats.</summary>
    public float[] UserFactors { get; }

    /// <summary>Row-major item factors, <see cref="Items"/>·<see cref="Factors"/> floats.</summary>
    public float[] ItemFactors { get; }

    /// <summary>One report per completed iteration, in order.</summary>
    public IReadOnlyList<AlsIterationReport> Iterations { get; }
}
