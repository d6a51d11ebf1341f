using System.Diagnostics;
using Personalization.Recommender.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Personalization.Recommender.Torch;

/// <summary>
/// Trains Mult-VAE (Liang et al. 2018) with TorchSharp on the positive entries of a user × item matrix, then exports
/// its weights to a <see cref="MultVaeModel"/>, which scores in plain C#.
/// </summary>
/// <remarks>
/// Adam over shuffled batches of users; the input keeps each of a user's items with probability 1 − dropout (scaled
/// 1/(1 − dropout), after the 1/√n normalization, as the paper's code does); the KL weight anneals linearly. Progress is
/// reported after every epoch with the epoch's mean loss. For a seed and thread count the result is repeatable.
/// </remarks>
public sealed class MultVaeTrainer : IModelTrainer
{
    /// <summary>Creates a trainer with validated options.</summary>
    /// <param name="options">Hyper-parameters; null for the defaults.</param>
    public MultVaeTrainer(MultVaeOptions? options = null)
    {
        options ??= new MultVaeOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options this trainer runs with.</summary>
    public MultVaeOptions Options { get; }

    /// <inheritdoc/>
    public string Name => MultVaeModel.ModelName;

    /// <inheritdoc/>
    IRecommenderModel IModelTrainer.Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(userItems, progress, cancellationToken);

    /// <summary>Trains on the positive entries (value &gt; 0) of every row with at least one.</summary>
    /// <param name="userItems">Rows are users, columns items.</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The trained model.</returns>
    public MultVaeModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        var o = Options;
        var users = Positives(userItems);
        if (users.Length == 0) throw new ArgumentException("No user has a positive entry to train on.", nameof(userItems));
        torch.set_num_threads(o.Threads);
        torch.manual_seed(o.Seed);
        var random = new Random(o.Seed);
        using var network = new MultVaeNetwork(userItems.Columns, o.Hidden, o.Latent);
        using var optimizer = optim.Adam(network.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        int stepsPerEpoch = (users.Length + o.BatchSize - 1) / o.BatchSize;
        int annealSteps = o.AnnealSteps > 0 ? o.AnnealSteps : o.Epochs * stepsPerEpoch;
        var order = Enumerable.Range(0, users.Length).ToArray();
        int step = 0;
        network.train();
        var buffers = new BatchBuffers(Math.Min(o.BatchSize, users.Length), userItems.Columns);
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            NativeCallGuard.BeginEpoch();
            long started = Stopwatch.GetTimestamp();
            random.Shuffle(order);
            double lossSum = 0;
            for (int at = 0; at < order.Length; at += o.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batchUsers = order.AsSpan(at, Math.Min(o.BatchSize, order.Length - at));
                var (batch, targets) = Batch(users, batchUsers, userItems.Columns, o.InputDropout, random, buffers: buffers);
                double beta = o.MaxBeta * Math.Min(1.0, (double)step / annealSteps);
                var (logits, mean, logVariance) = network.forward(batch);
                var loss = MultVaeNetwork.Loss(logits, mean, logVariance, targets, beta);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * batchUsers.Length;
                step++;
            }
            progress?.Report(new TrainingProgress(Name, epoch + 1, o.Epochs, lossSum / users.Length, Stopwatch.GetElapsedTime(started)));
        }
        NativeCallGuard.End();
        return Export(network, userItems.Columns, o);
    }

    /// <summary>Arrays one step's batch is built in, reused from step to step.</summary>
    internal sealed class BatchBuffers(int batchSize, int items)
    {
        public float[] Targets { get; } = new float[(long)batchSize * items];
        public List<long> Indices { get; } = [];
        public List<float> Weights { get; } = [];
    }

    /// <summary>Each row's positive items, ascending; rows without any are left out.</summary>
    internal static int[][] Positives(InteractionMatrix matrix)
    {
        var users = new List<int[]>(matrix.Rows);
        for (int row = 0; row < matrix.Rows; row++)
        {
            var columns = matrix.RowColumns(row);
            var weights = matrix.RowWeights(row);
            var positive = new List<int>(columns.Length);
            for (int e = 0; e < columns.Length; e++)
                if (weights[e] > 0f) positive.Add(columns[e]);
            if (positive.Count > 0) users.Add(positive.ToArray());
        }
        return users.ToArray();
    }

    /// <summary>The embedding bag's input for some users (their items after dropout, weighted) and the dense binary targets.</summary>
    internal static (MultVaeBatch Batch, Tensor Targets) Batch(int[][] users, ReadOnlySpan<int> batchUsers, int items, double dropout, Random? random,
        ScalarType dtype = ScalarType.Float32, BatchBuffers? buffers = null)
    {
        buffers ??= new BatchBuffers(batchUsers.Length, items);
        var indices = buffers.Indices;
        var weights = buffers.Weights;
        indices.Clear();
        weights.Clear();
        var offsets = new long[batchUsers.Length];
        var targets = buffers.Targets.AsSpan(0, batchUsers.Length * items);
        targets.Clear();
        for (int b = 0; b < batchUsers.Length; b++)
        {
            offsets[b] = indices.Count;
            var user = users[batchUsers[b]];
            float weight = (float)(1 / Math.Sqrt(user.Length) / (1 - dropout));
            foreach (int item in user)
            {
                targets[b * items + item] = 1f;
                if (dropout > 0 && random is not null && random.NextDouble() < dropout) continue;
                indices.Add(item);
                weights.Add(weight);
            }
        }
        var batch = new MultVaeBatch(tensor(indices.ToArray()), tensor(offsets), tensor(weights.ToArray()).to_type(dtype));
        int rows = buffers.Targets.Length / items;
        return (batch, tensor(buffers.Targets, [rows, items]).narrow(0, 0, batchUsers.Length).to_type(dtype));
    }

    /// <summary>Copies the trained weights into the plain arrays the C# model serves from.</summary>
    internal static MultVaeModel Export(MultVaeNetwork network, int items, MultVaeOptions o)
    {
        float[] Array(Tensor t) => t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        var headWeight = network.HeadWeight.detach();
        var headBias = network.HeadBias.detach();
        var parameters = new Dictionary<string, double>
        {
            ["hidden"] = o.Hidden, ["latent"] = o.Latent, ["epochs"] = o.Epochs, ["batchSize"] = o.BatchSize,
            ["learningRate"] = o.LearningRate, ["weightDecay"] = o.WeightDecay, ["inputDropout"] = o.InputDropout,
            ["maxBeta"] = o.MaxBeta, ["seed"] = o.Seed,
        };
        return new MultVaeModel(items, o.Hidden, o.Latent,
            Array(network.EncoderWeight), Array(network.EncoderBias),
            Array(headWeight.narrow(0, 0, o.Latent)), Array(headBias.narrow(0, 0, o.Latent)),
            Array(network.DecoderWeight), Array(network.DecoderBias), parameters);
    }
}
