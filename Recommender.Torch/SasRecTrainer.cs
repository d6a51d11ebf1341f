using System.Diagnostics;
using Personalization.Recommender.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Personalization.Recommender.Torch;

/// <summary>
/// Trains SASRec (Kang and McAuley 2018) with TorchSharp on each user's history in time order, then exports its weights
/// to a <see cref="SasRecModel"/>, which scores in plain C#.
/// </summary>
/// <remarks>
/// The matrix's values are each entry's place in its user's history (the trainer's order matrix): a row sorted by
/// them is the user's sequence. Every position predicts the next item with a softmax over the whole catalog (cross
/// entropy; the paper samples one negative per position, later work found the full softmax better). Adam over
/// shuffled batches of users, sequences left-padded to L. Progress after every epoch with its mean loss per position.
/// </remarks>
public sealed class SasRecTrainer : IModelTrainer
{
    /// <summary>Creates a trainer with validated options.</summary>
    /// <param name="options">Hyper-parameters; null for the defaults.</param>
    public SasRecTrainer(SasRecOptions? options = null)
    {
        options ??= new SasRecOptions();
        options.Validate();
        Options = options;
    }

    /// <summary>The options this trainer runs with.</summary>
    public SasRecOptions Options { get; }

    /// <inheritdoc/>
    public string Name => SasRecModel.ModelName;

    /// <inheritdoc/>
    IRecommenderModel IModelTrainer.Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(userItems, progress, cancellationToken);

    /// <summary>Trains on every row with at least two items.</summary>
    /// <param name="userItems">Rows are users, columns items, values each entry's place in the user's history.</param>
    /// <param name="progress">Receives a report after every epoch.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The trained model.</returns>
    public SasRecModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        var o = Options;
        var sequences = Sequences(userItems, o.MaxLength + 1);
        if (sequences.Length == 0) throw new ArgumentException("No user has two items to learn a next item from.", nameof(userItems));
        torch.set_num_threads(o.Threads);
        torch.manual_seed(o.Seed);
        var random = new Random(o.Seed);
        using var network = new SasRecNetwork(userItems.Columns, o.Dimensions, o.MaxLength, o.Blocks, o.Dropout);
        using var optimizer = optim.Adam(network.parameters(), o.LearningRate, weight_decay: o.WeightDecay);
        var order = Enumerable.Range(0, sequences.Length).ToArray();
        var inputs = new long[Math.Min(o.BatchSize, sequences.Length) * o.MaxLength];
        var targets = new long[inputs.Length];
        network.train();
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            NativeCallGuard.BeginEpoch();
            long started = Stopwatch.GetTimestamp();
            random.Shuffle(order);
            double lossSum = 0;
            long positions = 0;
            for (int at = 0; at < order.Length; at += o.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var batch = order.AsSpan(at, Math.Min(o.BatchSize, order.Length - at));
                int counted = Fill(sequences, batch, o.MaxLength, inputs, targets);
                var input = tensor(inputs, [inputs.Length / o.MaxLength, o.MaxLength]).narrow(0, 0, batch.Length);
                var target = tensor(targets, [targets.Length / o.MaxLength, o.MaxLength]).narrow(0, 0, batch.Length);
                var logits = network.Logits(network.forward(input));
                var loss = nn.functional.cross_entropy(logits.reshape(-1, userItems.Columns + 1), target.reshape(-1), ignore_index: 0);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                lossSum += loss.item<float>() * counted;
                positions += counted;
            }
            progress?.Report(new TrainingProgress(Name, epoch + 1, o.Epochs, lossSum / Math.Max(1, positions), Stopwatch.GetElapsedTime(started)));
        }
        NativeCallGuard.End();
        network.eval();
        return Export(network, userItems.Columns, o);
    }

    /// <summary>Each row's items sorted by their place (the value), the last <paramref name="keep"/>; rows with fewer than two are left out.</summary>
    internal static int[][] Sequences(InteractionMatrix matrix, int keep)
    {
        var result = new List<int[]>(matrix.Rows);
        for (int row = 0; row < matrix.Rows; row++)
        {
            var items = matrix.RowColumns(row).ToArray();
            var places = matrix.RowWeights(row).ToArray();
            if (items.Length < 2) continue;
            Array.Sort(places, items);
            result.Add(items[Math.Max(0, items.Length - keep)..]);
        }
        return result.ToArray();
    }

    /// <summary>
    /// Left-padded inputs (the sequence without its last item) and targets (without its first), as embedding ids
    /// (item + 1; 0 = padding, ignored by the loss). Returns the number of target positions.
    /// </summary>
    internal static int Fill(int[][] sequences, ReadOnlySpan<int> batch, int length, long[] inputs, long[] targets)
    {
        Array.Clear(inputs);
        Array.Clear(targets);
        int counted = 0;
        for (int b = 0; b < batch.Length; b++)
        {
            var sequence = sequences[batch[b]];
            int n = Math.Min(sequence.Length - 1, length);
            int from = sequence.Length - 1 - n;
            for (int t = 0; t < n; t++)
            {
                inputs[b * length + length - n + t] = sequence[from + t] + 1;
                targets[b * length + length - n + t] = sequence[from + t + 1] + 1;
            }
            counted += n;
        }
        return counted;
    }

    /// <summary>Copies the trained weights into the plain arrays the C# model serves from.</summary>
    internal static SasRecModel Export(SasRecNetwork network, int items, SasRecOptions o)
    {
        static float[] Array(Tensor t) => t.detach().to_type(ScalarType.Float32).contiguous().data<float>().ToArray();
        static (float[], float[]) Norm(TorchSharp.Modules.LayerNorm n) => (Array(n.weight!), Array(n.bias!));
        static (float[], float[]) Linear(TorchSharp.Modules.Linear l) => (Array(l.weight), Array(l.bias!));
        var blocks = network.Layers.Select(b => new SasRecBlock(Norm(b.AttentionNorm), Linear(b.Query), Linear(b.Key), Linear(b.Value),
            Linear(b.Output), Norm(b.ForwardNorm), Linear(b.Inner), Linear(b.Outer))).ToList();
        var parameters = new Dictionary<string, double>
        {
            ["dimensions"] = o.Dimensions, ["maxLength"] = o.MaxLength, ["blocks"] = o.Blocks, ["dropout"] = o.Dropout, ["epochs"] = o.Epochs,
            ["batchSize"] = o.BatchSize, ["learningRate"] = o.LearningRate, ["weightDecay"] = o.WeightDecay, ["seed"] = o.Seed,
        };
        return new SasRecModel(items, o.Dimensions, o.MaxLength, Array(network.ItemWeights), Array(network.PositionWeights), blocks,
            Norm(network.Final), parameters);
    }
}
