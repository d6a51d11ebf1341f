namespace Personalization.Recommender;

/// <summary>
/// Floating-point operations of one ALS iteration, the yardstick for achieved GFLOP/s in the benchmarks. A multiply-add
/// counts as two; only the arithmetic of the solver is counted, not index loads or the optional loss.
/// </summary>
public static class AlsCost
{
    /// <summary>FLOPs of one iteration (user half-step, item half-step, and the two Gram matrices).</summary>
    /// <param name="users">Rows of the user × item matrix.</param>
    /// <param name="items">Columns.</param>
    /// <param name="nonZeros">Stored entries.</param>
    /// <param name="options">Factors, solver and CG steps.</param>
    public static double FlopsPerIteration(int users, int items, long nonZeros, AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        double k = options.Factors;
        double gram = (users + (double)items) * k * (k + 1); // upper triangle of Σ y·yᵀ, both sides
        return gram + HalfStep(users, nonZeros, k, options) + HalfStep(items, nonZeros, k, options);
    }

    private static double HalfStep(double rows, double nonZeros, double k, AlsOptions options)
    {
        if (options.Solver == AlsSolver.ConjugateGradient)
        {
            // Residual plus each step: a k×k product (2k²) and, per entry, a dot and an update (4k);
            // each step adds about five length-k vector operations (two dots, three updates: 10k).
            double passes = options.CgSteps + 1;
            return passes * (2 * k * k * rows + 4 * k * nonZeros) + options.CgSteps * 10 * k * rows;
        }
        // Per entry: a rank-1 update of the upper triangle (k(k+1)) and the right-hand side (2k);
        // per row: the Cholesky factorization (k³/3) and two triangular solves (2k²).
        return nonZeros * (k * (k + 1) + 2 * k) + rows * (k * k * k / 3 + 2 * k * k);
    }
}
