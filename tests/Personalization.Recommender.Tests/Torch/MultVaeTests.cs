using Personalization.Recommender.Models;
using Personalization.Recommender.Torch;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Personalization.Recommender.Tests.Torch;

/// <summary>Mult-VAE: libtorch's gradients, training on a planted problem, and the C# inference of the exported weights.</summary>
public class MultVaeTests(ITestOutputHelper output)
{
    [Fact]
    public void Gradients_match_central_differences_on_a_tiny_network()
    {
        torch.manual_seed(7);
        int[][] users = [[0, 2, 5], [1, 3], [4, 5, 6, 7], [0, 7]];
        using var network = new MultVaeNetwork(items: 8, hidden: 5, latent: 3, ScalarType.Float64);
        network.eval(); // the code is μ: the loss is then a deterministic function of the weights
        var (batch, targets) = MultVaeTrainer.Batch(users, [0, 1, 2, 3], 8, dropout: 0, random: null, ScalarType.Float64);
        double Loss()
        {
            using var scope = NewDisposeScope();
            var (logits, mean, logVariance) = network.forward(batch);
            return MultVaeNetwork.Loss(logits, mean, logVariance, targets, beta: 0.3).item<double>();
        }

        var (l, m, v) = network.forward(batch);
        MultVaeNetwork.Loss(l, m, v, targets, beta: 0.3).backward();
        int checkedEntries = GradientCheck.AgainstCentralDifferences(
            [network.EncoderWeight, network.EncoderBias, network.HeadWeight, network.HeadBias, network.DecoderWeight, network.DecoderBias], Loss, perTensor: 7);
        Assert.True(checkedEntries >= 30, $"{checkedEntries} entries checked");
    }

    [Fact]
    public void Training_on_planted_tastes_lowers_the_loss_and_ranks_the_users_group_first()
    {
        // Four groups of 10 items; each user picks 5 of their group's items. A held-out member of the group must then
        // outrank every item of the other groups.
        var (matrix, groupOf) = Planted(users: 200, groups: 4, itemsPerGroup: 10, perUser: 5, seed: 3);
        var losses = new List<double>();
        var model = new MultVaeTrainer(new MultVaeOptions { Hidden = 32, Latent = 8, Epochs = 40, BatchSize = 50, LearningRate = 3e-3, Threads = 1 })
            .Fit(matrix, new SynchronousProgress<TrainingProgress>(p => losses.Add(p.Loss)));

        output.WriteLine($"loss: first epoch {losses[0]:F3}, last {losses[^1]:F3}");
        Assert.Equal(40, losses.Count);
        Assert.True(losses[^1] < 0.8 * losses[0], $"loss {losses[0]:F3} then {losses[^1]:F3}");
        var scores = new float[40];
        int placed = 0;
        for (int user = 0; user < 40; user++)
        {
            var items = matrix.RowColumns(user).ToArray();
            model.Score(items, matrix.RowWeights(user), scores);
            int group = groupOf[items[0]];
            var unseenOwn = Enumerable.Range(0, 40).Where(i => groupOf[i] == group && !items.Contains(i)).Min(i => scores[i]);
            var bestOther = Enumerable.Range(0, 40).Where(i => groupOf[i] != group).Max(i => scores[i]);
            if (unseenOwn > bestOther) placed++;
        }
        Assert.True(placed >= 38, $"{placed} of 40 users had every unseen item of their group above the other groups'");
    }

    [Fact]
    public void The_exported_CSharp_inference_matches_libtorch_within_1e_4()
    {
        var (matrix, _) = Planted(users: 60, groups: 3, itemsPerGroup: 20, perUser: 6, seed: 5);
        var options = new MultVaeOptions { Hidden = 48, Latent = 16, Epochs = 5, BatchSize = 20, Threads = 1 };
        torch.manual_seed(11);
        using var network = new MultVaeNetwork(60, options.Hidden, options.Latent);
        var model = MultVaeTrainer.Export(network, 60, options);
        var users = MultVaeTrainer.Positives(matrix);
        network.eval();
        var (batch, _) = MultVaeTrainer.Batch(users, Enumerable.Range(0, users.Length).ToArray(), 60, dropout: 0, random: null);
        using var noGrad = torch.no_grad();
        var (logits, mean, _) = network.forward(batch);
        var expectedLogits = logits.data<float>().ToArray();
        var expectedMeans = mean.data<float>().ToArray();

        var scores = new float[60];
        var code = new float[options.Latent];
        double worst = 0;
        for (int u = 0; u < users.Length; u++)
        {
            var values = Enumerable.Repeat(1f, users[u].Length).ToArray();
            model.Encode(users[u], values, code);
            model.Score(users[u], values, scores);
            for (int d = 0; d < code.Length; d++) worst = Math.Max(worst, Math.Abs(code[d] - expectedMeans[u * options.Latent + d]));
            for (int i = 0; i < 60; i++) worst = Math.Max(worst, Math.Abs(scores[i] - expectedLogits[u * 60 + i]));
        }
        output.WriteLine($"largest difference {worst:E2}");
        Assert.True(worst <= 1e-4, $"largest difference {worst:E2}");
    }

    [Fact]
    public void A_model_file_round_trips_the_weights()
    {
        var (matrix, _) = Planted(users: 30, groups: 2, itemsPerGroup: 8, perUser: 4, seed: 9);
        var model = new MultVaeTrainer(new MultVaeOptions { Hidden = 8, Latent = 4, Epochs = 2, BatchSize = 10, Threads = 1 }).Fit(matrix);
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        stream.Position = 0;
        var read = Assert.IsType<MultVaeModel>(ModelFile.Read(stream));
        Assert.Equal(model.EncoderWeights, read.EncoderWeights);
        Assert.Equal(model.MeanWeights, read.MeanWeights);
        Assert.Equal(model.ItemEmbeddings, read.ItemEmbeddings);
        Assert.Equal(model.ItemBias, read.ItemBias);
        Assert.Equal(model.Parameters["hidden"], read.Parameters["hidden"]);
    }

    private static (InteractionMatrix Matrix, int[] GroupOf) Planted(int users, int groups, int itemsPerGroup, int perUser, int seed)
    {
        var random = new Random(seed);
        var entries = new List<MatrixEntry>();
        for (int user = 0; user < users; user++)
        {
            int group = user % groups;
            foreach (int item in Enumerable.Range(group * itemsPerGroup, itemsPerGroup).OrderBy(_ => random.Next()).Take(perUser))
                entries.Add(new MatrixEntry(user, item, 1f));
        }
        var groupOf = Enumerable.Range(0, groups * itemsPerGroup).Select(i => i / itemsPerGroup).ToArray();
        return (InteractionMatrix.FromEntries(users, groups * itemsPerGroup, entries.ToArray()), groupOf);
    }
}
