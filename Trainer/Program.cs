using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Grains.Models;
using Personalization.Grains.Signals;
using Personalization.Runtime.Kafka;
using Personalization.Storage;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Trainer;

/// <summary>The trainer CLI: import a data set into a store, train and publish a model.</summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Storage folder (SQLite).", DefaultValueFactory = _ => "data" };
        var postgres = new Option<string?>("--postgres") { Description = "PostgreSQL connection string (the cluster store) instead of SQLite." };
        var dataset = new Option<string[]>("--dataset") { Description = "Data set to import: 'movielens DIR' or 'synthetic'.", Arity = new ArgumentArity(1, 2), AllowMultipleArgumentsPerToken = true };
        var factors = new Option<int>("--factors") { DefaultValueFactory = _ => 64 };
        var iterations = new Option<int>("--iterations") { DefaultValueFactory = _ => 10 };
        var regularization = new Option<float>("--regularization") { DefaultValueFactory = _ => 0.1f };
        var alpha = new Option<float>("--alpha") { DefaultValueFactory = _ => 10f };
        var threads = new Option<int>("--threads") { DefaultValueFactory = _ => 0 };
        var kafka = new Option<string?>("--kafka") { Description = "Bootstrap servers: announce the new model on the model-updates topic so silos swap it in." };

        var import = new Command("import", "Import a data set's catalog and history into the store.") { dataDir, postgres, dataset };
        import.SetAction((result, cancellationToken) => Guarded(async () =>
        {
            using var services = Services(new StorageOptions { DataDir = result.GetValue(dataDir)!, Postgres = result.GetValue(postgres) });
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("import");
            var data = LoadDataset(result.GetValue(dataset) ?? ["synthetic"]);
            await DatasetImporter.ImportAsync(data, services.GetRequiredService<ICatalogStore>(), services.GetRequiredService<IInteractionHistory>(), logger, cancellationToken);
        }));

        var train = new Command("train", "Train implicit ALS on the store's history and publish the next model version.")
            { dataDir, postgres, factors, iterations, regularization, alpha, threads, kafka };
        train.SetAction((result, cancellationToken) => Guarded(async () =>
        {
            using var services = Services(new StorageOptions { DataDir = result.GetValue(dataDir)!, Postgres = result.GetValue(postgres) });
            var options = new TrainingOptions
            {
                Factors = result.GetValue(factors), Iterations = result.GetValue(iterations), Regularization = result.GetValue(regularization),
                Alpha = result.GetValue(alpha), Threads = result.GetValue(threads),
            };
            var model = await services.GetRequiredService<TrainingPipeline>().TrainAndPublishAsync(options, cancellationToken);
            Console.WriteLine($"model v{model.Version}: {model.ItemIds.Length} items, {model.Factors} factors");
            if (result.GetValue(kafka) is { Length: > 0 } servers)
            {
                using var connection = new KafkaConnection(Options.Create(new KafkaOptions { BootstrapServers = servers }), [],
                    services.GetRequiredService<ILoggerFactory>().CreateLogger<KafkaConnection>());
                using var producer = new EventProducer(connection);
                await ModelAnnouncement.AnnounceAsync(producer, model.Version, cancellationToken);
                Console.WriteLine($"announced v{model.Version} on {StreamTopics.ModelUpdates}");
            }
        }));

        var root = new RootCommand("Personalization trainer") { import, train };
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>Runs a command; bad input ends with one line naming the file and line, and exit code 2.</summary>
    private static async Task<int> Guarded(Func<Task> action)
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

    private static ServiceProvider Services(StorageOptions storage)
    {
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; }));
        services.AddPersonalizationStorage(storage);
        services.AddSingleton(SignalPolicy.Default);
        services.AddSingleton<TrainingPipeline>();
        return services.BuildServiceProvider();
    }
}
