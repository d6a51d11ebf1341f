using System.Diagnostics;
using System.Numerics.Tensors;

namespace Personalization.Recommender.Models;

/// <summary>
/// Trains EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the item–item weight matrix
/// B minimizing ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0, in closed form.
/// </summary>
/// <remarks>
/// X is the binary matrix of positive entries (value &gt; 0) restricted to items with at least
/// <see cref="EaseOptions.MinItemUsers"/> such users. With P = (XᵀX + λI)⁻¹ the solution is B_ij = −P_ij / P_jj
/// for i ≠ j and B_ii = 0. Training is one sparse Gram product, one dense inverse (<see cref="DenseSpd"/>, cubic in
/// the kept items) and one scaling pass; progress is reported after the Gram matrix, after every pivot block of
/// the inverse and after the weights.
/// </remarks>
public sealed class EaseTrainer : IModelTrainer
{
    // Gram rows handed to a thread at once: rows near the top of the upper triangle are the longest, so chunks are small.
    private const int GramRowsPerChunk = 16;

    /// <summary>Creates a trainer with validated options.</summary>
    /// <param name="options">Hyper-parameters; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public EaseTrainer(EaseOptions? options = null)
    {
        options ??= new EaseOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options this trainer runs with.</summary>
    public EaseOptions Options { get; }

    /// <inheritdoc/>
    public string Name => EaseModel.ModelName;

    /// <inheritdoc/>
    IRecommenderModel IModelTrainer.Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(userItems, progress, cancellationToken);

    /// <summary>Learns the item–item weights from the positive entries of a user × item matrix.</summary>
    /// <param name="userItems">Rows are users, columns items; entries with value &gt; 0 count as interactions.</param>
    /// <param name="progress">Receives a report after the Gram matrix, each pivot block of the inverse, and the weights.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The trained model.</returns>
    /// <exception cref="ArgumentException">So many items are kept that their n×n weights cannot be held in one array.</exception>
    /// <exception cref="InvalidOperationException">XᵀX + λI was not numerically positive definite (cannot happen for finite λ &gt; 0 short of overflow).</exception>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public EaseModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        int threads = Options.Threads;
        long started = Stopwatch.GetTimestamp();

        int[] kept = KeptItems(userItems, Options.MinItemUsers);
        int n = kept.Length;
        if ((long)n * n > Array.MaxLength)
            throw new ArgumentException(
                $"{n} items have at least {Options.MinItemUsers} users: their {n}×{n} weights do not fit in one array; raise MinItemUsers.",
                nameof(userItems));

        int blocks = DenseSpd.PivotBlocks(n);
        int steps = blocks + 2;
        double[] gram = Gram(userItems, kept, Options.Regularization, threads, cancellationToken);
        started = Report(progress, 1, steps, started);

        int step = 1;
        bool inverted = DenseSpd.TryInvertInPlace(gram, n, threads,
            _ => started = Report(progress, ++step, steps, started), cancellationToken);
        if (!inverted)
            throw new InvalidOperationException("XᵀX + λI is not numerically positive definite.");

        float[] weights = Weights(gram, n, threads);
        Report(progress, steps, steps, started);
        return new EaseModel(userItems.Columns, kept, weights, Options.Regularization, Options.MinItemUsers);
    }

    private static long Report(IProgress<TrainingProgress>? progress, int step, int steps, long started)
    {
        progress?.Report(new TrainingProgress(EaseModel.ModelName, step, steps, double.NaN, Stopwatch.GetElapsedTime(started)));
        return Stopwatch.GetTimestamp();
    }

    // Items with at least minUsers positive entries, ascending.
    private static int[] KeptItems(InteractionMatrix userItems, int minUsers)
    {
        var users = new int[userItems.Columns];
        int nonZeros = userItems.NonZeros;
        for (int p = 0; p < nonZeros; p++)
        {
            if (userItems.Weights[p] > 0)
                users[userItems.ColumnIndices[p]]++;
        }
        var kept = new List<int>();
        for (int item = 0; item < users.Length; item++)
        {
            if (users[item] >= minUsers)
                kept.Add(item);
        }
        return kept.ToArray();
    }

    /// <summary>
    /// Upper triangle of XᵀX + λI over the kept items, X binary. Row a is Σ over a's users of their kept items from a
    /// on, so each row is built by one thread from integer counts: exact, and independent of the thread count.
    /// </summary>
    private static double[] Gram(InteractionMatrix userItems, int[] kept, double regularization, int threads, CancellationToken cancellationToken)
    {
        int n = kept.Length, users = userItems.Rows;
        var keptIndex = new int[userItems.Columns];
        Array.Fill(keptIndex, -1);
        for (int k = 0; k < n; k++)
            keptIndex[kept[k]] = k;

        // User × kept-item pattern; kept indices are ascending within a row because the mapping is monotone.
        var rowPointers = new int[users + 1];
        var columns = new List<int>(userItems.NonZeros);
        for (int u = 0; u < users; u++)
        {
            ReadOnlySpan<int> items = userItems.RowColumns(u);
            ReadOnlySpan<float> values = userItems.RowWeights(u);
            for (int t = 0; t < items.Length; t++)
            {
                int k = keptIndex[items[t]];
                if (k >= 0 && values[t] > 0)
                    columns.Add(k);
            }
            rowPointers[u + 1] = columns.Count;
        }
        int[] columnArray = columns.ToArray();
        var pattern = new InteractionMatrix(users, n, rowPointers, columnArray, new float[columnArray.Length]);
        InteractionMatrix itemUsers = pattern.Transpose();

        var gram = new double[(long)n * n];
        int chunks = (n + GramRowsPerChunk - 1) / GramRowsPerChunk;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken };
        Parallel.For(0, chunks, parallel, chunk =>
        {
            int end = Math.Min((chunk + 1) * GramRowsPerChunk, n);
            for (int a = chunk * GramRowsPerChunk; a < end; a++)
            {
                Span<double> row = gram.AsSpan(a * n, n);
                foreach (int u in itemUsers.RowColumns(a))
                {
                    ReadOnlySpan<int> items = pattern.RowColumns(u);
                    for (int q = items.BinarySearch(a); q < items.Length; q++)
                        row[items[q]] += 1;
                }
                row[a] += regularization;
            }
        });
        return gram;
    }

    // B_ij = −P_ij / P_jj off the diagonal, 0 on it, narrowed to float32 for scoring.
    private static float[] Weights(double[] inverse, int n, int threads)
    {
        var scale = new double[n];
        for (int j = 0; j < n; j++)
            scale[j] = -1.0 / inverse[(long)j * n + j];
        var weights = new float[(long)n * n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            ReadOnlySpan<double> source = inverse.AsSpan(i * n, n);
            Span<float> target = weights.AsSpan(i * n, n);
            for (int j = 0; j < target.Length; j++)
                target[j] = (float)(source[j] * scale[j]);
            target[i] = 0;
        });
        return weights;
    }
}

/// <summary>
/// A trained EASE model: a user's scores are the sum of the weight rows of the items they hold a positive value on,
/// s = x·B with x binary.
/// </summary>
/// <remarks>
/// Items left out of training (fewer than <see cref="MinItemUsers"/> users) score <see cref="UnlearnedScore"/>: below
/// every learned item but, unlike −∞ (which <see cref="TopK"/> and callers use to mark excluded items), still
/// rankable, so a request for more items than were learned is filled in item order.
/// </remarks>
public sealed class EaseModel : IRecommenderModel
{
    internal const string ModelName = "ease";

    /// <summary>Score of every item that has no learned weights: <see cref="float.MinValue"/>.</summary>
    public const float UnlearnedScore = float.MinValue;

    private readonly int[] _kept;
    private readonly int[] _keptIndex;
    private readonly float[] _weights;

    internal EaseModel(int items, int[] keptItems, float[] weights, double regularization, int minItemUsers)
    {
        if ((long)keptItems.Length * keptItems.Length != weights.Length)
            throw new ArgumentException($"{weights.Length} weights do not make a {keptItems.Length}² matrix.", nameof(weights));
        Items = items;
        _kept = keptItems;
        _weights = weights;
        _keptIndex = new int[items];
        Array.Fill(_keptIndex, -1);
        int previous = -1;
        for (int k = 0; k < keptItems.Length; k++)
        {
            int item = keptItems[k];
            if (item <= previous || item >= items)
                throw new ArgumentException("Kept items must be ascending item indices.", nameof(keptItems));
            _keptIndex[item] = k;
            previous = item;
        }
        Regularization = regularization;
        MinItemUsers = minItemUsers;
        Parameters = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["regularization"] = regularization,
            ["minItemUsers"] = minItemUsers,
        };
    }

    /// <inheritdoc/>
    public string Name => ModelName;

    /// <inheritdoc/>
    public int Items { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>The λ the model was trained with.</summary>
    public double Regularization { get; }

    /// <summary>The minimum number of users an item needed to be learned.</summary>
    public int MinItemUsers { get; }

    /// <summary>Item indices that have learned weights, ascending; position k is row and column k of <see cref="Weights"/>.</summary>
    public ReadOnlySpan<int> KeptItems => _kept;

    /// <summary>B as a row-major KeptItems.Length² matrix in kept-item positions, zero on the diagonal.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <inheritdoc/>
    /// <remarks>Only entries with a value &gt; 0 count, each as 1 (X is binary); items never learned add nothing.</remarks>
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        if (values.Length != items.Length)
            throw new ArgumentException($"{values.Length} values for {items.Length} items.", nameof(values));
        if (scores.Length != Items)
            throw new ArgumentException($"Scores need {Items} elements, got {scores.Length}.", nameof(scores));

        // Sum in kept positions at the front of the output itself, then spread out in place: allocation-free.
        int n = _kept.Length;
        Span<float> compact = scores[..n];
        compact.Clear();
        for (int t = 0; t < items.Length; t++)
        {
            int item = items[t];
            if ((uint)item >= (uint)Items)
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index must be in [0, {Items}).");
            int k = _keptIndex[item];
            if (k >= 0 && values[t] > 0)
                TensorPrimitives.Add(compact, _weights.AsSpan(k * n, n), compact);
        }
        if (n == Items)
            return;

        // Backwards, since _kept[k] ≥ k: each compact value is read before any write can reach its position.
        int next = Items;
        for (int k = n - 1; k >= 0; k--)
        {
            int target = _kept[k];
            float score = scores[k];
            scores[(target + 1)..next].Fill(UnlearnedScore);
            scores[target] = score;
            next = target;
        }
        scores[..next].Fill(UnlearnedScore);
    }
}
