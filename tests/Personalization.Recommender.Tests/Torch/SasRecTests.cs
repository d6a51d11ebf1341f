using Personalization.Recommender.Models;
using Personalization.Recommender.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Personalization.Recommender.Tests.Torch;

/// <summary>SASRec: libtorch's gradients, learning a planted next-item rule, and the C# inference of the exported weights.</summary>
public class SasRecTests(ITestOutputHelper output)
{
    [Fact]
    public void Gradients_match_central_differences_on_a_tiny_network()
    {
        torch.manual_seed(5);
        int[][] sequences = [[0, 3, 5, 1], [2, 4], [6, 0, 2, 3, 1]];
        using var network = new SasRecNetwork(items: 7, dimensions: 4, maxLength: 5, blocks: 2, dropout: 0, ScalarType.Float64);
        network.eval();
        var (inputs, targets) = (new long[3 * 5], new long[3 * 5]);
        SasRecTrainer.Fill(sequences, [0, 1, 2], 5, inputs, targets);
        var input = tensor(inputs, [3, 5]);
        var target = tensor(targets, [3, 5]);
        Tensor LossTensor() => nn.functional.cross_entropy(network.Logits(network.forward(input)).reshape(-1, 8), target.reshape(-1), ignore_index: 0);
        double Loss()
        {
            using var scope = NewDisposeScope();
            return LossTensor().item<double>();
        }

        LossTensor().backward();
        int checkedEntries = GradientCheck.AgainstCentralDifferences(network.parameters(), Loss, perTensor: 3);
        Assert.True(checkedEntries >= 40, $"{checkedEntries} entries checked");
    }

    [Fact]
    public void Training_on_a_planted_successor_rule_lowers_the_loss_and_predicts_the_next_item()
    {
        // Two groups of 8 items; in each, users walk a cycle i -> i + 1 from a random start. The next item is certain.
        var random = new Random(3);
        var entries = new List<MatrixEntry>();
        var last = new int[120];
        for (int user = 0; user < 120; user++)
        {
            int group = user % 2, start = random.Next(8), length = 4 + random.Next(4);
            for (int t = 0; t < length; t++) entries.Add(new MatrixEntry(user, group * 8 + (start + t) % 8, t + 1));
            last[user] = group * 8 + (start + length - 1) % 8;
        }
        var matrix = InteractionMatrix.FromEntries(120, 16, entries.ToArray());
        var losses = new List<double>();
        var model = new SasRecTrainer(new SasRecOptions { Dimensions = 16, MaxLength = 8, Epochs = 60, BatchSize = 40, LearningRate = 5e-3, Dropout = 0.1, Threads = 1 })
            .Fit(matrix, new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss)));

        output.WriteLine($"loss: first epoch {losses[0]:F3}, last {losses[^1]:F3}");
        Assert.True(losses[^1] < 0.5 * losses[0], $"loss {losses[0]:F3} then {losses[^1]:F3}");
        var scores = new float[16];
        int right = 0;
        for (int user = 0; user < 120; user++)
        {
            model.Score(matrix.RowColumns(user), matrix.RowWeights(user), scores);
            int group = user % 2;
            int expected = group * 8 + (last[user] - group * 8 + 1) % 8;
            if (Array.IndexOf(scores, scores.Max()) == expected) right++;
        }
        Assert.True(right >= 108, $"{right} of 120 next items ranked first");
    }

    [Fact]
    public void The_exported_CSharp_inference_matches_libtorch_within_1e_4()
    {
        torch.manual_seed(13);
        const int items = 40, d = 16, length = 10;
        using var network = new SasRecNetwork(items, d, length, blocks: 2, dropout: 0.2);
        // A few training steps, so the weights are not the initial ones.
        var random = new Random(4);
        int[][] sequences = Enumerable.Range(0, 24).Select(_ => Enumerable.Range(0, 2 + random.Next(14)).Select(_ => random.Next(items)).ToArray()).ToArray();
        var (inputs, targets) = (new long[24 * length], new long[24 * length]);
        SasRecTrainer.Fill(sequences, Enumerable.Range(0, 24).ToArray(), length, inputs, targets);
        using (var optimizer = optim.Adam(network.parameters(), 0.01))
            for (int step = 0; step < 5; step++)
            {
                using var scope = NewDisposeScope();
                var loss = nn.functional.cross_entropy(network.Logits(network.forward(tensor(inputs, [24, length]))).reshape(-1, items + 1),
                    tensor(targets, [24, length]).reshape(-1), ignore_index: 0);
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }
        network.eval();
        var model = SasRecTrainer.Export(network, items, new SasRecOptions { Dimensions = d, MaxLength = length });

        double worst = 0;
        var state = new float[d];
        var scores = new float[items];
        using var noGrad = torch.no_grad();
        foreach (var sequence in sequences)
        {
            var tail = sequence[Math.Max(0, sequence.Length - length)..];
            var padded = new long[length];
            for (int t = 0; t < tail.Length; t++) padded[length - tail.Length + t] = tail[t] + 1;
            var states = network.forward(tensor(padded, [1, length]));
            var expected = states[0, length - 1].data<float>().ToArray();
            var expectedLogits = network.Logits(states)[0, length - 1].data<float>().ToArray();
            model.Encode(tail, state);
            model.Score(tail, Enumerable.Range(1, tail.Length).Select(p => (float)p).ToArray(), scores);
            for (int i = 0; i < d; i++) worst = Math.Max(worst, Math.Abs(state[i] - expected[i]));
            for (int i = 0; i < items; i++) worst = Math.Max(worst, Math.Abs(scores[i] - expectedLogits[i + 1]));
        }
        output.WriteLine($"largest difference {worst:E2}");
        Assert.True(worst <= 1e-4, $"largest difference {worst:E2}");

        // The model file keeps every weight: the read model encodes the same bits.
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        stream.Position = 0;
        var read = Assert.IsType<SasRecModel>(ModelFile.Read(stream));
        var again = new float[d];
        read.Encode(sequences[0][..Math.Min(length, sequences[0].Length)], again);
        model.Encode(sequences[0][..Math.Min(length, sequences[0].Length)], state);
        Assert.Equal(state, again);
        Assert.Equal(model.Parameters["dimensions"], read.Parameters["dimensions"]);
    }
}
