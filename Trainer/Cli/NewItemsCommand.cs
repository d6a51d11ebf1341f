using System.CommandLine;
using System.Globalization;
using Personalization.Recommender;
using Personalization.Recommender.Evaluation;

namespace Personalization.Trainer.Cli;

/// <summary><c>new-items</c>: how soon a new title learns from its first viewers (<see cref="NewItemEvaluation"/>).</summary>
internal static class NewItemsCommand
{
    public static Command Create()
    {
        var dataset = new DatasetOptions(required: true);
        var model = new ModelOptions();
        var fraction = new Option<double>("--held-out-fraction") { Description = "Share of the items, the newest by their first interaction, held out of training.", DefaultValueFactory = _ => 0.1 };
        var steps = new Option<string>("--steps") { Description = "Interactions replayed before each measurement, comma-separated.", DefaultValueFactory = _ => "0,1,5,20,50" };
        var k = CliOptions.K();
        var json = new Option<string?>("--json") { Description = "Also write the steps as JSON to this file." };
        var command = new Command("new-items",
            "The new-item protocol: hold out the newest items, replay their interactions in time order, and measure Recall@K among each item's later viewers "
            + "with its content vector, with the live fold-in the item grains run, and after a full retrain.")
            { fraction, steps, k, json };
        dataset.AddTo(command);
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var spec = model.Read(result);
            var counts = ParseSteps(result.GetValue(steps)!);
            var heldOut = result.GetValue(fraction);
            if (!(heldOut > 0 && heldOut < 1)) throw new ArgumentException($"--held-out-fraction must be between 0 and 1 (exclusive), not {heldOut}.");
            if (result.GetValue(k) < 1) throw new ArgumentException($"--k must be at least 1, not {result.GetValue(k)}.");
            var (name, data, catalog) = await Program.LoadTrainingDataWithCatalogAsync(dataset.Read(result)!, cancellationToken);
            var byId = catalog.ToDictionary(i => i.ItemId, StringComparer.Ordinal);
            var features = data.ItemIds.Select(id => byId.TryGetValue(id, out var item) ? ContentMapping.FeaturesOf(item.Genres, item.Tags) : []).ToArray();
            var als = spec.ToAlsOptions();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var report = await Task.Run(() => NewItemEvaluation.Evaluate(data.Matrix, data.FirstSeen, features, als, new ContentMappingOptions(),
                new NewItemOptions { HeldOutFraction = heldOut, Steps = counts, K = result.GetValue(k) }, new Program.LineProgress(), cancellationToken), cancellationToken);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"{name}: ALS {als.Factors} factors, {als.Iterations} iterations, λ {als.Regularization:G4}, α {als.Alpha:G4}; {clock.Elapsed.TotalSeconds:F1} s"));
            Console.WriteLine($"| interactions | items | later viewers | recall@{result.GetValue(k)} content | live fold-in | full retrain | gap closed |");
            Console.WriteLine("|--:|--:|--:|--:|--:|--:|--:|");
            foreach (var step in report)
                Console.WriteLine(string.Create(c, $"| {step.Interactions} | {step.Items} | {step.LaterViewers} | {Cell(step.Content)} | {Cell(step.Live)} | {Cell(step.Retrain)} | {(step.GapClosed is { } gap ? gap.ToString("P0", c) : "–")} |"));
            if (result.GetValue(json) is { Length: > 0 } path) await Program.WriteJsonAsync(path, report, cancellationToken);
        }));
        return command;
    }

    private static string Cell(double? value) => value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static int[] ParseSteps(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var counts = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out counts[i]) || counts[i] > 100_000)
                throw new ArgumentException($"--steps must be non-negative whole numbers separated by commas, not '{text}'.");
        if (counts.Length == 0) throw new ArgumentException("--steps needs at least one number.");
        return counts;
    }
}
