using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Personalization.Recommender;
using Personalization.Recommender.Models;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Cli;

/// <summary><c>recommend</c>: train on a whole data set, write the top K unseen items for listed users as CSV.</summary>
internal static class RecommendCommand
{
    public static Command Create()
    {
        var dataset = new DatasetOptions(required: true);
        var model = new ModelOptions();
        var users = new Option<string>("--users") { Description = "File with one user id per line (an optional 'userId' header).", Required = true };
        var k = CliOptions.K();
        var output = new Option<string>("--out") { Description = "CSV to write: userId,itemId,rank,score.", Required = true };

        var command = new Command("recommend", "Train on the whole data set and write each listed user's top K unseen items.") { users, k, output };
        dataset.AddTo(command);
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var spec = model.Read(result);
            int count = result.GetValue(k);
            if (count < 1) throw new ArgumentException($"--k must be at least 1, not {count}.");
            var (_, data) = await Program.LoadTrainingDataAsync(dataset.Read(result)!, cancellationToken);
            var rows = ReadUsers(result.GetValue(users)!, data);
            var trainer = ModelFactory.Create(spec);
            var trained = await Task.Run(() => trainer.Fit(data.InputFor(spec.Model), new ConsoleProgress($"train {spec.Model}"), cancellationToken), cancellationToken);

            // One untimed user first, so the figure is the steady per-user cost rather than JIT compilation.
            Recommend(trained, data.InputFor(spec.Model), rows[..Math.Min(1, rows.Length)], count, 1);
            var clock = Stopwatch.StartNew();
            var lists = Recommend(trained, data.InputFor(spec.Model), rows, count, spec.EffectiveThreads);
            var elapsed = clock.Elapsed;
            double perUser = elapsed.TotalMilliseconds / Math.Max(1, rows.Length);
            await WriteAsync(result.GetValue(output)!, data, rows, lists, cancellationToken);
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"recommended {count} items to {rows.Length} users in {elapsed.TotalSeconds:F3} s ({perUser:F3} ms per user, {spec.EffectiveThreads} threads)"));
        }));
        return command;
    }

    // Matrix rows of the listed users, in file order; an unknown user is bad input naming the line.
    private static int[] ReadUsers(string path, TrainingData data)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        var index = new Dictionary<string, int>(data.UserIds.Length, StringComparer.Ordinal);
        for (int u = 0; u < data.UserIds.Length; u++) index[data.UserIds[u]] = u;
        var rows = new List<int>();
        long line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            var id = raw.Trim();
            if (id.Length == 0 || (line == 1 && id == "userId")) continue;
            if (id.Contains(',')) throw new DatasetFormatException(path, line, $"expected one user id per line, found '{id}'.");
            if (!index.TryGetValue(id, out int row)) throw new DatasetFormatException(path, line, $"user '{id}' has no interactions in the data set.");
            rows.Add(row);
        }
        return rows.ToArray();
    }

    // Scores the catalog per user with the model's own scoring, excluding the user's training items.
    private static (int[] Items, float[] Scores, int Count)[] Recommend(IRecommenderModel model, InteractionMatrix matrix, int[] rows, int k, int threads)
    {
        var lists = new (int[] Items, float[] Scores, int Count)[rows.Length];
        Parallel.For(0, rows.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => new float[model.Items], (i, _, scores) =>
        {
            int row = rows[i];
            var items = matrix.RowColumns(row);
            model.Score(items, matrix.RowWeights(row), scores);
            foreach (int seen in items) scores[seen] = float.NegativeInfinity;
            var top = new int[k];
            var topScores = new float[k];
            lists[i] = (top, topScores, TopK.Select(scores, top, topScores));
            return scores;
        }, _ => { });
        return lists;
    }

    private static async Task WriteAsync(string path, TrainingData data, int[] rows, (int[] Items, float[] Scores, int Count)[] lists, CancellationToken cancellationToken)
    {
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("userId,itemId,rank,score");
        for (int i = 0; i < rows.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (items, scores, count) = lists[i];
            for (int r = 0; r < count; r++)
                await writer.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{data.UserIds[rows[i]]},{data.ItemIds[items[r]]},{r + 1},{scores[r]:G6}"));
        }
    }
}
