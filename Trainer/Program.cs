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
/// into a folder); <c>evaluate</c> a model offline; <c>recommend</c> for a list of users.
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
            TrainCommand.Create(),
            EvaluateCommand.Create(),
            RecommendCommand.Create(),
            BanditReplayCommand.Create(),
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

    /// <summary>Loads the data set named by a <c>--dataset</c> value.</summary>
    public static Dataset LoadDataset(IReadOnlyList<string> spec) => spec switch
    {
        ["movielens", var dir] => MovieLensDataset.Load(dir),
        ["synthetic"] => SyntheticDataset.Generate(new SyntheticOptions(), DateTimeOffset.UtcNow),
        _ => throw new ArgumentException($"--dataset must be 'movielens DIR' or 'synthetic', not '{string.Join(' ', spec)}'."),
    };

    /// <summary>Loads a data set and aggregates it with the default signal policy, as the cluster's trainer does.</summary>
    internal static async Task<(string Name, TrainingData Data)> LoadTrainingDataAsync(IReadOnlyList<string> spec, CancellationToken cancellationToken)
    {
        var dataset = LoadDataset(spec);
        var data = await TrainingData.BuildAsync(dataset.Interactions.ToAsyncEnumerable(), SignalPolicy.Default, cancellationToken);
        await Console.Error.WriteLineAsync($"{dataset.Name}: {data.UserIds.Length} users x {data.ItemIds.Length} items, {data.Matrix.NonZeros} pairs from {data.Events} events");
        return (dataset.Name, data);
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
