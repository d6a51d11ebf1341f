using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Signals;
using Personalization.Storage;
using Personalization.Trainer.Cli;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Trainer;

/// <summary>
/// The trainer CLI: <c>import</c> a data set into a store; <c>train</c> a model (into the registry, or from files
/// into a folder); <c>evaluate</c> a model offline; <c>tune</c> its hyperparameters; <c>recommend</c> for a list of users.
/// </summary>
public static class Program
{
    /// <summary>JSON settings of every file the CLI writes.</summary>
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Personalization trainer: batch models, offline evaluation, model registry.")
        {
            ImportCommand.Create(),
            ImportFactorsCommand.Create(),
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            TuneCommand.Create(),
            RecommendCommand.Create(),
            BanditReplayCommand.Create(),
            NewItemsCommand.Create(),
        };
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs a command; bad input ends with one line naming the file and line (or the option), and exit code 2.</summary>
    internal static async Task<int> Guarded(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception ex) when (ex is DatasetFormatException or FileNotFoundException or DirectoryNotFoundException or ArgumentException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"error: {ex.Message}");
            return 2;
        }
    }

    /// <summary>Loads the data set named by the <c>--dataset</c> options.</summary>
    internal static Dataset LoadDataset(DatasetSpec dataset, IProgress<string>? progress = null) => dataset.Spec switch
    {
        ["movielens", var dir] => MovieLensDataset.Load(dir, progress),
        ["logs", var file] => InteractionLogDataset.Load(file, dataset.Columns, dataset.Catalog, progress),
        ["synthetic"] => SyntheticDataset.Generate(new SyntheticOptions(), DateTimeOffset.UtcNow),
        var spec => throw new ArgumentException(
            $"--dataset must be 'movielens DIR' (any MovieLens layout: CSV, ml-1m/ml-10m .dat, ml-100k), 'logs FILE' (.csv, .jsonl or .parquet) or 'synthetic', not '{string.Join(' ', spec)}'."),
    };

    /// <summary>Loads a data set and aggregates it with the default signal policy, as the cluster's trainer does; prints the load time.</summary>
    internal static async Task<(string Name, TrainingData Data)> LoadTrainingDataAsync(DatasetSpec spec, CancellationToken cancellationToken)
    {
        var (name, data, _) = await LoadTrainingDataWithCatalogAsync(spec, cancellationToken);
        return (name, data);
    }

    /// <summary><see cref="LoadTrainingDataAsync"/>, with the data set's catalog.</summary>
    internal static async Task<(string Name, TrainingData Data, IReadOnlyList<CatalogItem> Catalog)> LoadTrainingDataWithCatalogAsync(DatasetSpec spec, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var progress = new LineProgress();
        var dataset = LoadDataset(spec, progress);
        var data = await Task.Run(() => dataset.Resolved is { } resolved
            ? TrainingData.Build(resolved, SignalPolicy.Default, cancellationToken)
            : TrainingData.Build(dataset.Interactions, SignalPolicy.Default, cancellationToken), cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        await Console.Error.WriteLineAsync(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{dataset.Name}: {data.UserIds.Length} users x {data.ItemIds.Length} items, {data.Matrix.NonZeros} pairs from {data.Events} events; loaded in {seconds:F2} s ({data.Events / Math.Max(seconds, 1e-9) / 1e6:F2} M events/s)"));
        return (dataset.Name, data, dataset.Items);
    }

    // Progress<T> posts to the thread pool, so its lines could come after the command's own output or error.
    internal sealed class LineProgress : IProgress<string>
    {
        public void Report(string value) => Console.Error.WriteLine(value);
    }

    /// <summary>Writes a report as indented JSON, creating its folder, and says where.</summary>
    internal static async Task WriteJsonAsync<T>(string path, T value, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(value, Json), cancellationToken);
        Console.WriteLine($"wrote {path}");
    }

    /// <summary>Services of the store-backed commands.</summary>
    internal static ServiceProvider Services(StorageOptions storage)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        services.AddPersonalizationStorage(storage);
        services.AddSingleton(SignalPolicy.Default);
        services.AddSingleton<TrainingPipeline>();
        return services.BuildServiceProvider();
    }
}
