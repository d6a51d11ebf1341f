using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender.Models;

/// <summary>
/// Biased matrix factorization of explicit ratings, r̂_ui = μ + b_u + b_i + p_uᵀq_i, trained by stochastic gradient
/// descent as in Funk's Netflix-prize SVD, Koren, Bell and Volinsky (2009) and LIBMF.
/// </summary>
/// <remarks>
/// <para>
/// Minimizes Σ_(u,i) [(r_ui − r̂_ui)² + λ_b(b_u² + b_i²) + λ_f(‖p_u‖² + ‖q_i‖²)] over the stored ratings, visiting them
/// in a fresh seeded random order every epoch; μ is the mean rating and stays fixed. Entries with value 0 are "not
/// rated" and skipped. Training is single-threaded so the result depends only on the seed and the data (and on the
/// machine's vector width, which changes the rounding of dot products).
/// </para>
/// <para>
/// After each epoch the training RMSE is reported as the loss. On random 90/10 splits of MovieLens latest-small
/// the defaults reach a test RMSE of 0.83–0.85 in about half a second.
/// </para>
/// </remarks>
public sealed class BiasedMfTrainer : IModelTrainer
{
    /// <summary>Creates a trainer with validated options.</summary>
    /// <param name="options">Hyper-parameters; null for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public BiasedMfTrainer(BiasedMfOptions? options = null)
    {
        options ??= new BiasedMfOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options this trainer runs with.</summary>
    public BiasedMfOptions Options { get; }

    /// <inheritdoc/>
    public string Name => BiasedMfModel.ModelName;

    /// <inheritdoc/>
    IRecommenderModel IModelTrainer.Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(userItems, progress, cancellationToken);

    /// <summary>Learns biases and factors from a user × item matrix of ratings.</summary>
    /// <param name="ratings">Rows are users, columns items, values ratings; zero entries are skipped.</param>
    /// <param name="progress">Receives the training RMSE after every epoch.</param>
    /// <param name="cancellationToken">Stops training between epochs.</param>
    /// <returns>The trained model. Users and items without ratings get zero biases and factors.</returns>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public BiasedMfModel Fit(InteractionMatrix ratings, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        BiasedMfOptions options = Options;
        int k = options.Factors, users = ratings.Rows, items = ratings.Columns;

        // Flatten the ratings into parallel arrays so an epoch is one pass over a permutation.
        int count = 0;
        double sum = 0;
        foreach (float value in ratings.Weights.AsSpan(0, ratings.NonZeros))
        {
            if (value != 0)
            {
                count++;
                sum += value;
            }
        }
        var rowOf = new int[count];
        var columnOf = new int[count];
        var valueOf = new float[count];
        var userRatings = new int[users];
        var itemRatings = new int[items];
        for (int u = 0, e = 0; u < users; u++)
        {
            ReadOnlySpan<int> columns = ratings.RowColumns(u);
            ReadOnlySpan<float> values = ratings.RowWeights(u);
            for (int t = 0; t < columns.Length; t++)
            {
                if (values[t] == 0)
                    continue;
                rowOf[e] = u;
                columnOf[e] = columns[t];
                valueOf[e] = values[t];
                userRatings[u]++;
                itemRatings[columns[t]]++;
                e++;
            }
        }
        float mean = count == 0 ? 0f : (float)(sum / count);

        var random = new Random(options.Seed);
        var userFactors = new float[(long)users * k];
        var itemFactors = new float[(long)items * k];
        FillGaussian(userFactors, random, options.InitialScale);
        FillGaussian(itemFactors, random, options.InitialScale);
        var userBiases = new float[users];
        var itemBiases = new float[items];

        var order = new int[count];
        for (int e = 0; e < count; e++)
            order[e] = e;

        float learningRate = options.LearningRate;
        float biasRegularization = options.BiasRegularization, factorRegularization = options.FactorRegularization;
        for (int epoch = 1; epoch <= options.Epochs; epoch++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long started = Stopwatch.GetTimestamp();
            random.Shuffle(order);

            foreach (int e in order)
            {
                int u = rowOf[e], i = columnOf[e];
                Span<float> p = userFactors.AsSpan(u * k, k);
                Span<float> q = itemFactors.AsSpan(i * k, k);
                float error = valueOf[e] - (mean + userBiases[u] + itemBiases[i] + TensorPrimitives.Dot(p, q));
                userBiases[u] += learningRate * (error - biasRegularization * userBiases[u]);
                itemBiases[i] += learningRate * (error - biasRegularization * itemBiases[i]);
                UpdateFactors(p, q, learningRate * error, 1f - learningRate * factorRegularization);
            }
            learningRate *= options.LearningRateDecay;

            double squared = 0;
            for (int e = 0; e < count; e++)
            {
                int u = rowOf[e], i = columnOf[e];
                double error = valueOf[e] - (mean + userBiases[u] + itemBiases[i]
                    + TensorPrimitives.Dot(userFactors.AsSpan(u * k, k), itemFactors.AsSpan(i * k, k)));
                squared += error * error;
            }
            double rmse = count == 0 ? double.NaN : Math.Sqrt(squared / count);
            progress?.Report(new TrainingProgress(BiasedMfModel.ModelName, epoch, options.Epochs, rmse, Stopwatch.GetElapsedTime(started)));
        }

        // Rows that never saw a rating still hold their random start: noise, not knowledge.
        for (int u = 0; u < users; u++)
        {
            if (userRatings[u] == 0)
                userFactors.AsSpan(u * k, k).Clear();
        }
        for (int i = 0; i < items; i++)
        {
            if (itemRatings[i] == 0)
                itemFactors.AsSpan(i * k, k).Clear();
        }

        return new BiasedMfModel(mean, userBiases, itemBiases, userFactors, itemFactors, k,
            options.BiasRegularization, options.FactorRegularization, Parameters(options));
    }

    private static Dictionary<string, double> Parameters(BiasedMfOptions options) => new(StringComparer.Ordinal)
    {
        ["factors"] = options.Factors,
        ["epochs"] = options.Epochs,
        ["learningRate"] = options.LearningRate,
        ["learningRateDecay"] = options.LearningRateDecay,
        ["biasRegularization"] = options.BiasRegularization,
        ["factorRegularization"] = options.FactorRegularization,
        ["initialScale"] = options.InitialScale,
        ["seed"] = options.Seed,
    };

    // p ← shrink·p + step·q and q ← shrink·q + step·p simultaneously (both right-hand sides use the old values),
    // with step = η·e and shrink = 1 − η·λ_f: the gradient step of both factor rows for one rating.
    private static void UpdateFactors(Span<float> p, Span<float> q, float step, float shrink)
    {
        ref float p0 = ref MemoryMarshal.GetReference(p);
        ref float q0 = ref MemoryMarshal.GetReference(q);
        int length = p.Length, i = 0;
        if (Vector.IsHardwareAccelerated && length >= Vector<float>.Count)
        {
            var s = new Vector<float>(step);
            var h = new Vector<float>(shrink);
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var pv = Vector.LoadUnsafe(ref p0, (nuint)i);
                var qv = Vector.LoadUnsafe(ref q0, (nuint)i);
                Vector.FusedMultiplyAdd(qv, s, pv * h).StoreUnsafe(ref p0, (nuint)i);
                Vector.FusedMultiplyAdd(pv, s, qv * h).StoreUnsafe(ref q0, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            float pv = Unsafe.Add(ref p0, i), qv = Unsafe.Add(ref q0, i);
            Unsafe.Add(ref p0, i) = MathF.FusedMultiplyAdd(qv, step, pv * shrink);
            Unsafe.Add(ref q0, i) = MathF.FusedMultiplyAdd(pv, step, qv * shrink);
        }
    }

    // Box–Muller over System.Random, whose seeded sequence is stable across .NET versions.
    private static void FillGaussian(Span<float> values, Random random, float scale)
    {
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

/// <summary>
/// A trained biased matrix factorization: predicted ratings for training users, and scores for any user described
/// by their ratings through a least-squares fold-in against the fixed item parameters.
/// </summary>
public sealed class BiasedMfModel : IRecommenderModel
{
    internal const string ModelName = "mf";

    // The fold-in needs (k+1)² + 2(k+1) doubles of scratch: on the stack (64 KB) up to k = 88, pooled above.
    private const int MaxStackallocScratch = 8192;

    // Floor on the fold-in ridge so a zero regularization still yields a solvable system.
    private const double MinFoldInRegularization = 1e-6;

    private readonly float[] _userBiases;
    private readonly float[] _itemBiases;
    private readonly float[] _userFactors;
    private readonly float[] _itemFactors;

    internal BiasedMfModel(
        float globalMean, float[] userBiases, float[] itemBiases, float[] userFactors, float[] itemFactors, int factors,
        float biasRegularization, float factorRegularization, IReadOnlyDictionary<string, double> parameters)
    {
        if ((long)userBiases.Length * factors != userFactors.Length || (long)itemBiases.Length * factors != itemFactors.Length)
            throw new ArgumentException("Factor arrays do not match the bias arrays and factor count.");
        GlobalMean = globalMean;
        _userBiases = userBiases;
        _itemBiases = itemBiases;
        _userFactors = userFactors;
        _itemFactors = itemFactors;
        Factors = factors;
        BiasRegularization = biasRegularization;
        FactorRegularization = factorRegularization;
        Parameters = parameters;
    }

    /// <inheritdoc/>
    public string Name => ModelName;

    /// <inheritdoc/>
    public int Items => _itemBiases.Length;

    /// <summary>Number of training users (rows of <see cref="UserFactors"/>).</summary>
    public int Users => _userBiases.Length;

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>μ, the mean training rating.</summary>
    public float GlobalMean { get; }

    /// <summary>λ_b, reused by the fold-in.</summary>
    public float BiasRegularization { get; }

    /// <summary>λ_f, reused by the fold-in.</summary>
    public float FactorRegularization { get; }

    /// <summary>b_u per training user.</summary>
    public ReadOnlySpan<float> UserBiases => _userBiases;

    /// <summary>b_i per item.</summary>
    public ReadOnlySpan<float> ItemBiases => _itemBiases;

    /// <summary>Row-major p_u, <see cref="Factors"/> floats per training user.</summary>
    public ReadOnlySpan<float> UserFactors => _userFactors;

    /// <summary>Row-major q_i, <see cref="Factors"/> floats per item.</summary>
    public ReadOnlySpan<float> ItemFactors => _itemFactors;

    /// <summary>The predicted rating μ + b_u + b_i + p_uᵀq_i of a training user for an item (not clamped to the rating scale).</summary>
    /// <param name="user">Training user index.</param>
    /// <param name="item">Item index.</param>
    /// <returns>The prediction.</returns>
    public float Predict(int user, int item)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)user, (uint)Users, nameof(user));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)item, (uint)Items, nameof(item));
        int k = Factors;
        return GlobalMean + _userBiases[user] + _itemBiases[item]
            + TensorPrimitives.Dot(_userFactors.AsSpan(user * k, k), _itemFactors.AsSpan(item * k, k));
    }

    /// <summary>Root mean squared error of <see cref="Predict"/> over the ratings of a matrix indexed like the training one.</summary>
    /// <param name="ratings">Held-out ratings of training users; zero entries are skipped.</param>
    /// <returns>The RMSE, or NaN when there are no ratings.</returns>
    /// <exception cref="ArgumentException">The matrix has more rows or columns than the model has users or items.</exception>
    public double Rmse(InteractionMatrix ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        if (ratings.Rows > Users || ratings.Columns > Items)
            throw new ArgumentException(
                $"A {ratings.Rows}×{ratings.Columns} matrix does not fit a model of {Users} users and {Items} items.", nameof(ratings));
        double squared = 0;
        long count = 0;
        for (int u = 0; u < ratings.Rows; u++)
        {
            ReadOnlySpan<int> items = ratings.RowColumns(u);
            ReadOnlySpan<float> values = ratings.RowWeights(u);
            for (int t = 0; t < items.Length; t++)
            {
                if (values[t] == 0)
                    continue;
                double error = values[t] - Predict(u, items[t]);
                squared += error * error;
                count++;
            }
        }
        return count == 0 ? double.NaN : Math.Sqrt(squared / count);
    }

    /// <summary>
    /// Fits a user's bias and factors to their ratings with the item parameters fixed: ridge regression of
    /// r − μ − b_i on [1, q_i], with the training penalties applied once per rating as in the training objective.
    /// </summary>
    /// <param name="items">Rated item indices, each once.</param>
    /// <param name="values">Ratings aligned with <paramref name="items"/>; zero or non-finite entries are skipped.</param>
    /// <param name="factors">Receives p_u, <see cref="Factors"/> floats; zeros when nothing was rated.</param>
    /// <param name="bias">Receives b_u; zero when nothing was rated.</param>
    [SkipLocalsInit]
    public void FoldIn(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> factors, out float bias)
    {
        if (values.Length != items.Length)
            throw new ArgumentException($"{values.Length} values for {items.Length} items.", nameof(values));
        if (factors.Length != Factors)
            throw new ArgumentException($"Factors need {Factors} elements, got {factors.Length}.", nameof(factors));
        int order = Factors + 1;
        int length = order * order + 2 * order;
        double[]? rented = null;
        Span<double> scratch = length <= MaxStackallocScratch
            ? stackalloc double[MaxStackallocScratch]
            : (rented = ArrayPool<double>.Shared.Rent(length));
        try
        {
            bias = Solve(items, values, factors, scratch[..length]);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<double>.Shared.Return(rented);
        }
    }

    private float Solve(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> factors, Span<double> scratch)
    {
        int k = Factors, order = k + 1;
        Span<double> a = scratch[..(order * order)];
        Span<double> rhs = scratch.Slice(order * order, order);
        Span<double> z = scratch.Slice(order * order + order, order);
        a.Clear();
        rhs.Clear();

        int count = 0;
        for (int t = 0; t < items.Length; t++)
        {
            int item = items[t];
            if ((uint)item >= (uint)Items)
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index must be in [0, {Items}).");
            float value = values[t];
            if (value == 0 || !float.IsFinite(value))
                continue;
            count++;
            z[0] = 1;
            DoubleKernels.Widen(_itemFactors.AsSpan(item * k, k), z[1..]);
            double target = value - GlobalMean - _itemBiases[item];
            DoubleKernels.AddScaledOuterUpper(a, order, z, 1);
            for (int j = 0; j < order; j++)
                rhs[j] += target * z[j];
        }
        if (count == 0)
        {
            factors.Clear();
            return 0;
        }

        a[0] += count * Math.Max(BiasRegularization, MinFoldInRegularization);
        double factorRidge = count * Math.Max(FactorRegularization, MinFoldInRegularization);
        for (int j = 1; j < order; j++)
            a[j * order + j] += factorRidge;
        if (!Cholesky.TrySolveInPlace(a, order, rhs))
            throw new InvalidOperationException("The fold-in system is not positive definite (non-finite item factors?).");
        for (int j = 0; j < k; j++)
            factors[j] = (float)rhs[j + 1];
        return (float)rhs[0];
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Folds the ratings in (<see cref="FoldIn"/>) and writes the predicted rating μ + b_u + b_i + p_uᵀq_i of every
    /// item; a user without ratings gets μ + b_i, the bias-only ranking.
    /// </remarks>
    [SkipLocalsInit]
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        if (scores.Length != Items)
            throw new ArgumentException($"Scores need {Items} elements, got {scores.Length}.", nameof(scores));
        int k = Factors;
        float[]? rented = null;
        Span<float> user = k <= 1024 ? stackalloc float[1024] : (rented = ArrayPool<float>.Shared.Rent(k));
        try
        {
            user = user[..k];
            FoldIn(items, values, user, out float bias);
            Scoring.ScoreAll(_itemFactors, k, user, scores);
            TensorPrimitives.Add(scores, _itemBiases, scores);
            TensorPrimitives.Add(scores, GlobalMean + bias, scores);
        }
        finally
        {
            if (rented is not null)
                ArrayPool<float>.Shared.Return(rented);
        }
    }
}
