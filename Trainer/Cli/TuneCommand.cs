using System.CommandLine;
using System.Globalization;
using Personalization.Recommender.Tuning;
using Personalization.Trainer.Tuning;

namespace Personalization.Trainer.Cli;

/// <summary><c>tune</c>: search a model's hyperparameters on a validation split carved from the training data.</summary>
internal static class TuneCommand
{
    public static Command Create()
    {
        var dataset = new DatasetOptions(required: true);
        var model = new ModelOptions();
        var protocol = new ProtocolOptions("time");
        var configurations = new Option<int>("--configurations")
        {
            Description = "Configurations drawn (log-uniform) for successive halving; the defaults are always one of them.", DefaultValueFactory = _ => 27,
        };
        var k = CliOptions.K();
        var output = new Option<string?>("--out") { Description = "Write the chosen settings here (for train/evaluate --settings)." };
        var json = new Option<string?>("--json") { Description = "Also write the whole report (every trial) as JSON." };
        var command = new Command("tune",
            "Successive halving over log-scale ranges on a validation split carved from the training data; reports the search and the defaults against the chosen settings on the test split.")
            { configurations, k, output, json };
        dataset.AddTo(command);
        protocol.AddTo(command);
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var spec = model.Read(result);
            var (chosenProtocol, lastN, testFraction) = protocol.Read(result);
            if (result.GetValue(configurations) < 1) throw new ArgumentException($"--configurations must be at least 1, not {result.GetValue(configurations)}.");
            var (name, data) = await Program.LoadTrainingDataAsync(dataset.Read(result)!, cancellationToken);
            var c = CultureInfo.InvariantCulture;
            var trials = new Progress<TuningTrial>(t => Console.Error.WriteLine(string.Create(c,
                $"round {t.Round}, budget {t.Budget}: {string.Join(", ", t.Settings.Select(p => $"{p.Key} {p.Value:G3}"))} -> ndcg@{result.GetValue(k)} {t.Score:F4}")));
            var report = await Task.Run(() => ModelTuner.Run(data, name, spec, chosenProtocol, testFraction, lastN, spec.Seed,
                result.GetValue(k), result.GetValue(configurations), trials, cancellationToken), cancellationToken);
            Print(report);
            if (result.GetValue(output) is { Length: > 0 } path)
            {
                new TunedSettings(report.Model, report.Chosen, report.Protocol, report.Dataset).Write(path);
                Console.WriteLine($"wrote {path}");
            }
            if (result.GetValue(json) is { Length: > 0 } reportPath) await Program.WriteJsonAsync(reportPath, report, cancellationToken);
        }));
        return command;
    }

    private static void Print(TuningReport report)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"{report.Dataset}: {report.Model}, protocol {report.Protocol}: {report.Trials.Count} trials in {report.SearchSeconds:F1} s ({report.TotalSeconds:F1} s with the final evaluations)"));
        Console.WriteLine(string.Create(c, $"chosen: {string.Join(", ", report.Chosen.Select(p => $"{p.Key} {p.Value:G4}"))} (validation ndcg@{report.K} {report.ValidationNdcg:F4})"));
        Console.WriteLine($"| on the test split | ndcg@{report.K} (95% interval) | recall@{report.K} (95% interval) |");
        Console.WriteLine("|---|--:|--:|");
        foreach (var (label, evaluation) in new[] { ("defaults", report.Defaults), ("tuned", report.Tuned) })
        {
            string Cell(string metric) => string.Create(c, $"{evaluation.Metrics[metric]:F4} ({evaluation.Metrics[metric + ".ci95.low"]:F4}–{evaluation.Metrics[metric + ".ci95.high"]:F4})");
            Console.WriteLine($"| {label} ({string.Join(", ", evaluation.Parameters.Where(p => p.Key is "regularization" or "alpha").Select(p => string.Create(c, $"{p.Key} {p.Value:G4}")))}) | {Cell($"ndcg@{report.K}")} | {Cell($"recall@{report.K}")} |");
        }
    }
}
