using System.CommandLine;
using System.Globalization;
using Personalization.Recommender.Evaluation;
using Personalization.Recommender.Reranking;
using Personalization.Trainer.Evaluation;

namespace Personalization.Trainer.Cli;

/// <summary><c>evaluate</c>: split a data set, train a model on the training part, rank the whole catalog for test users.</summary>
internal static class EvaluateCommand
{
    public static Command Create()
    {
        var dataset = new DatasetOptions(required: true);
        var model = new ModelOptions();
        var protocol = new ProtocolOptions("holdout");
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the split (default: --seed)." };
        var k = CliOptions.K();
        var json = new Option<string?>("--json") { Description = "Also write the report as JSON to this file." };
        var diversity = new Option<float>("--diversity")
        {
            Description = "MMR lambda from 0 (off) to 1: trade relevance for dissimilarity to the items already listed (ALS item-factor cosine).",
        };
        var popularityPenalty = new Option<float>("--popularity-penalty")
        {
            Description = "beta >= 0 (0: off): subtract beta x log-popularity, both scaled to [0, 1] over the candidate pool.",
        };
        var exploration = new Option<float>("--exploration")
        {
            Description = "epsilon in [0, 1) (0: off): the last floor(epsilon x K) slots go to Thompson-sampled items from the rest of the pool.",
        };
        var candidatePool = new Option<int>("--candidate-pool")
        {
            Description = "Top items by score the re-ranking chooses from (at least K).", DefaultValueFactory = _ => RankingSettings.Default.CandidatePool,
        };

        var command = new Command("evaluate",
            "Offline evaluation: full-catalog ranking of held-out interactions; Recall@K, NDCG@K, coverage, intra-list diversity and novelty.")
            { splitSeed, k, json, diversity, popularityPenalty, exploration, candidatePool };
        dataset.AddTo(command);
        protocol.AddTo(command);
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var spec = model.Read(result);
            var (chosen, lastN, testFraction) = protocol.Read(result);
            var ranking = OfflineEvaluation.ParseRanking(
                result.GetValue(diversity), result.GetValue(popularityPenalty), result.GetValue(exploration), result.GetValue(candidatePool));
            var (name, data) = await Program.LoadTrainingDataAsync(dataset.Read(result)!, cancellationToken);
            var trainBar = new ConsoleProgress($"train {spec.Model}");
            var evaluateBar = new ConsoleProgress("evaluate");
            int seed = result.GetResult(splitSeed) is null ? spec.Seed : result.GetValue(splitSeed);
            var vectorBar = new ConsoleProgress("train reference als (item vectors)");
            var report = await Task.Run(() => OfflineEvaluation.Run(data, name, spec, chosen, testFraction, seed, result.GetValue(k),
                ranking, trainBar, vectorBar, new Progress<EvaluationProgress>(p => evaluateBar.Report(p.Done, p.Total)), lastN, cancellationToken),
                cancellationToken);
            Print(report);
            if (result.GetValue(json) is { Length: > 0 } path) await Program.WriteJsonAsync(path, report, cancellationToken);
        }));
        return command;
    }

    private static void Print(EvaluationReport report)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"{report.Dataset}: {report.Model} ({string.Join(", ", report.Parameters.Select(p => $"{p.Key}={p.Value:G4}"))})"));
        Console.WriteLine(string.Create(c, $"protocol {report.Protocol}, test fraction {report.TestFraction}, seed {report.Seed}; trained in {report.TrainSeconds:F2} s, ranked in {report.EvaluateSeconds:F2} s"));
        Console.WriteLine(string.Create(c, $"ranking: {string.Join(", ", report.Ranking.Select(p => $"{p.Key} {p.Value:G4}"))}; item vectors: {report.ItemVectors}"));
        Console.WriteLine("| metric | value | 95% interval over users (bootstrap) |");
        Console.WriteLine("|---|---:|---:|");
        foreach (var (metric, value) in report.Metrics)
        {
            if (metric.Contains(".ci95.", StringComparison.Ordinal)) continue;
            var interval = report.Metrics.TryGetValue(metric + ".ci95.low", out var low) && report.Metrics.TryGetValue(metric + ".ci95.high", out var high)
                ? string.Create(c, $"{low:0.####} – {high:0.####}") : "";
            Console.WriteLine(string.Create(c, $"| {metric} | {value:0.####} | {interval} |"));
        }
    }
}
