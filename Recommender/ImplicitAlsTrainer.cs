using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// Implicit-feedback alternating least squares (Hu, Koren and Volinsky 2008).
/// </summary>
/// <remarks>
/// Minimizes L = Σ_{u,i} c_ui (p_ui − x_uᵀy_i)² + λ(Σ‖x_u‖² + Σ‖y_i‖²) over all user–item pairs, with c and p from
/// <see cref="ImplicitSignal"/>. Each half-step improves every row with the chosen <see cref="AlsSolver"/>: a few
/// warm-started <see cref="ConjugateGradient"/> steps, or the exact <see cref="FoldIn"/> solve; either way no row's
/// objective rises, so the loss never increases. Rows are distributed over threads in fixed-size chunks, each thread
/// reusing one scratch buffer; results do not depend on the thread count.
/// </remarks>
public sealed class ImplicitAlsTrainer
{
    // Rows handed to a thread at a time: small enough to balance skewed row lengths, large enough to amortize the claim.
    private const int RowsPerClaim = 32;

    // Users per partial loss sum; partials are added in order so the loss is independent of the thread count.
    private const int UsersPerLossChunk = 256;

    // Standard deviation of the random initial item factors: small, so the first user step is dominated by the data.
    private const double InitialScale = 0.01;

    private readonly AlsOptions _options;

    /// <summary>Creates a trainer with validated options.</summary>
    /// <param name="options">Hyper-parameters; validated here.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public ImplicitAlsTrainer(AlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>The options this trainer runs with.</summary>
    public AlsOptions Options => _options;

    /// <summary>Learns user and item factors from a user × item matrix of signed weights.</summary>
    /// <param name="userItems">Rows are users, columns are items.</param>
    /// <param name="progress">Receives a report after every iteration.</param>
    /// <param name="cancellationToken">Stops training between row chunks.</param>
    /// <returns>The factors after <see cref="AlsOptions.Iterations"/> iterations and the per-iteration reports.</returns>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public AlsResult Fit(InteractionMatrix userItems, IProgress<AlsIterationReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        int k = _options.Factors;
        int users = userItems.Rows, items = userItems.Columns;
        InteractionMatrix itemUsers = userItems.Transpose();

        var userFactors = new float[users * k];
        var itemFactors = new float[items * k];
        InitializeGaussian(itemFactors, _options.Seed, InitialScale);

        int workers = Math.Max(1, Math.Min(_options.Threads, Math.Max(users, items) / RowsPerClaim + 1));
        var scratch = new Scratch(workers, k, _options.Solver);

        var reports = new List<AlsIterationReport>(_options.Iterations);
        double[] itemGram = GramMatrix.Compute(itemFactors, items, k, _options.Threads);
        for (int iteration = 1; iteration <= _options.Iterations; iteration++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();

            SolveRows(userItems, itemFactors, itemGram, userFactors, scratch, cancellationToken);
            double[] userGram = GramMatrix.Compute(userFactors, users, k, _options.Threads);
            SolveRows(itemUsers, userFactors, userGram, itemFactors, scratch, cancellationToken);
            // Needed by the next user step and by the loss.
            itemGram = GramMatrix.Compute(itemFactors, items, k, _options.Threads);

            TimeSpan elapsed = Stopwatch.GetElapsedTime(started);
            double loss = _options.ComputeLoss
                ? ComputeLoss(userItems, userFactors, itemFactors, itemGram, scratch, cancellationToken)
                : double.NaN;
            var report = new AlsIterationReport(iteration, loss, elapsed);
            reports.Add(report);
            progress?.Report(report);
        }

        return new AlsResult(k, users, items, userFactors, itemFactors, reports.AsReadOnly());
    }

    private void SolveRows(
        InteractionMatrix matrix, float[] fixedFactors, double[] gram, float[] target, Scratch scratch, CancellationToken cancellationToken)
    {
        int k = _options.Factors;
        float alpha = _options.Alpha, regularization = _options.Regularization;
        if (_options.Solver == AlsSolver.Cholesky)
        {
            RowChunks.ForEach(matrix.Rows, RowsPerClaim, scratch.Workers, cancellationToken, (start, end, worker) =>
            {
                Span<double> buffer = scratch.Doubles[worker];
                for (int row = start; row < end; row++)
                {
                    FoldIn.Solve(fixedFactors, k, gram, matrix.RowColumns(row), matrix.RowWeights(row),
                        alpha, regularization, target.AsSpan(row * k, k), buffer);
                }
            });
            return;
        }

        // CG works on YᵀY + λI in float32, shared read-only by all threads.
        var regularizedGram = new float[k * k];
        for (int i = 0; i < regularizedGram.Length; i++)
            regularizedGram[i] = (float)gram[i];
        for (int d = 0; d < k; d++)
            regularizedGram[d * k + d] += regularization;
        int steps = _options.CgSteps;
        RowChunks.ForEach(matrix.Rows, RowsPerClaim, scratch.Workers, cancellationToken, (start, end, worker) =>
        {
            Span<float> buffer = scratch.Floats[worker];
            ref float y0 = ref MemoryMarshal.GetArrayDataReference(fixedFactors);
            ref float g = ref MemoryMarshal.GetArrayDataReference(regularizedGram);
            int[] pointers = matrix.RowPointers;
            for (int row = start; row < end; row++)
            {
                int first = pointers[row], count = pointers[row + 1] - first;
                ConjugateGradient.SolveUnchecked(ref y0, k, ref g,
                    matrix.ColumnIndices.AsSpan(first, count), matrix.Weights.AsSpan(first, count),
                    alpha, steps, ref target[row * k], buffer);
            }
        });
    }

    /// <summary>
    /// Σ_u x_uᵀ(YᵀY)x_u + Σ_observed [c(p − s)² − s²] + λ(Σ‖x_u‖² + Σ‖y_i‖²), which equals the full objective over all
    /// pairs: the first term is Σ s² over every pair, and the observed term swaps in the weighted residual where it differs.
    /// </summary>
    private double ComputeLoss(
        InteractionMatrix userItems, float[] userFactors, float[] itemFactors, double[] itemGram, Scratch scratch, CancellationToken cancellationToken)
    {
        int k = _options.Factors;
        float alpha = _options.Alpha;
        int chunks = (userItems.Rows + UsersPerLossChunk - 1) / UsersPerLossChunk;
        var partials = new double[chunks];
        RowChunks.ForEach(userItems.Rows, UsersPerLossChunk, scratch.Workers, cancellationToken, (start, end, worker) =>
        {
            Span<double> x = scratch.Doubles[worker].AsSpan(0, k);
            ref double x0 = ref MemoryMarshal.GetReference(x);
            double sum = 0;
            for (int u = start; u < end; u++)
            {
                DoubleKernels.Widen(userFactors.AsSpan(u * k, k), x);
                double quadratic = 0;
                for (int r = 0; r < k; r++)
                    quadratic += x[r] * DoubleKernels.Dot(ref itemGram[r * k], ref x0, k);
                double observed = 0;
                ReadOnlySpan<int> columns = userItems.RowColumns(u);
                ReadOnlySpan<float> weights = userItems.RowWeights(u);
                for (int j = 0; j < columns.Length; j++)
                {
                    double score = DoubleKernels.DotWidening(ref itemFactors[columns[j] * k], ref x0, k);
                    double residual = ImplicitSignal.Preference(weights[j]) - score;
                    observed += ImplicitSignal.Confidence(weights[j], alpha) * residual * residual - score * score;
                }
                sum += quadratic + observed + DoubleKernels.Dot(ref x0, ref x0, k) * _options.Regularization;
            }
            partials[start / UsersPerLossChunk] = sum;
        });

        double loss = 0;
        foreach (double partial in partials)
            loss += partial;
        double itemNorms = 0;
        foreach (float value in itemFactors)
            itemNorms += (double)value * value;
        return loss + _options.Regularization * itemNorms;
    }

    // One reusable buffer per worker: doubles for the exact solve and the loss, floats for conjugate gradient.
    private sealed class Scratch
    {
        public Scratch(int workers, int k, AlsSolver solver)
        {
            Workers = workers;
            Doubles = new double[workers][];
            Floats = new float[workers][];
            for (int w = 0; w < workers; w++)
            {
                Doubles[w] = new double[solver == AlsSolver.Cholesky ? FoldIn.ScratchLength(k) : k];
                Floats[w] = solver == AlsSolver.ConjugateGradient ? new float[ConjugateGradient.ScratchLength(k)] : [];
            }
        }

        public int Workers { get; }

        public double[][] Doubles { get; }

        public float[][] Floats { get; }
    }

    // Box–Muller over System.Random, whose seeded sequence is stable across .NET versions.
    private static void InitializeGaussian(Span<float> values, int seed, double scale)
    {
        var random = new Random(seed);
        for (int i = 0; i < values.Length; i += 2)
        {
            double u1 = 1.0 - random.NextDouble(); // (0, 1], keeps the log finite
            double u2 = random.NextDouble();
            double radius = scale * Math.Sqrt(-2.0 * Math.Log(u1));
            values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < values.Length)
                values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
        }
    }
}
