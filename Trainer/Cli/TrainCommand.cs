using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Grains.Models;
using Personalization.Streaming.Kafka;
using Personalization.Storage;
using Personalization.Trainer.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Cli;

/// <summary>
/// <c>train</c>: with <c>--dataset</c>, train any model on a data set's files and write it to <c>--out</c>; without,
/// train the serving ALS model on the store's history and publish it to the registry through the publish gate.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var dataDir = CliOptions.DataDir();
        var postgres = CliOptions.Postgres();
        var dataset = new DatasetOptions(required: false);
        var model = new ModelOptions();
        var output = new Option<string?>("--out") { Description = "Model folder to write (with --dataset)." };
        var margin = new Option<double>("--publish-margin") { Description = "Publish unless the holdout NDCG@20 is this share below the serving model's.", DefaultValueFactory = _ => 0.05 };
        var kafka = new Option<string?>("--kafka") { Description = "Bootstrap servers: announce a published model on the model-updates topic so silos swap it in." };

        var command = new Command("train", "Train a model: from files into a folder (--dataset ... --out DIR), or from the store into the registry.")
            { dataDir, postgres, output, margin, kafka };
        dataset.AddTo(command);
        model.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var spec = model.Read(result);
            if (dataset.Read(result) is { } files)
            {
                var folder = result.GetValue(output) ?? throw new ArgumentException("--out DIR is required with --dataset: where to write the model.");
                var (name, data) = await Program.LoadTrainingDataAsync(files, cancellationToken);
                var trainer = ModelFactory.Create(spec);
                var trained = await Task.Run(() => trainer.Fit(data.InputFor(spec.Model), new ConsoleProgress($"train {spec.Model}"), cancellationToken), cancellationToken);
                ModelDirectory.Write(folder, trained, data, name);
                Console.WriteLine($"{spec.Model}: {data.UserIds.Length} users x {data.ItemIds.Length} items -> {folder}");
                return;
            }

            if (spec.Model is not ("als" or "multvae" or "sasrec"))
                throw new ArgumentException($"the cluster serves als, multvae and sasrec models; train --model {spec.Model} needs --dataset ... --out DIR.");
            using var services = Program.Services(new StorageOptions { DataDir = result.GetValue(dataDir)!, Postgres = result.GetValue(postgres) });
            var options = new TrainingOptions
            {
                Model = spec.Model, Factors = spec.Factors,
                Iterations = spec.Iterations ?? spec.Model switch
                {
                    "als" => 15,
                    "sasrec" => new Recommender.Torch.SasRecOptions().Epochs,
                    _ => new Recommender.Torch.MultVaeOptions().Epochs,
                },
                Regularization = spec.EffectiveRegularization, Alpha = spec.Alpha,
                Solver = spec.Solver, Threads = spec.Threads, Seed = spec.Seed, PublishMargin = result.GetValue(margin),
            };
            var outcome = await services.GetRequiredService<TrainingPipeline>().TrainAndPublishAsync(options, cancellationToken);
            var m = outcome.Model;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model v{m.Version}: {m.ItemIds.Length} items, {m.Factors} factors, {(outcome.Published ? "published" : "NOT published")}: {outcome.Reason}"));
            if (outcome.Published && result.GetValue(kafka) is { Length: > 0 } servers)
                await AnnounceAsync(services, servers, m.Version, cancellationToken);
        }));
        return command;
    }

    /// <summary>Announces a published model version on the model-updates topic, so silos swap it in.</summary>
    internal static async Task AnnounceAsync(IServiceProvider services, string servers, long version, CancellationToken cancellationToken)
    {
        using var connection = new KafkaConnection(Options.Create(new KafkaOptions { BootstrapServers = servers }), [],
            services.GetRequiredService<ILoggerFactory>().CreateLogger<KafkaConnection>());
        using var producer = new EventProducer(connection);
        await ModelAnnouncement.AnnounceAsync(producer, version, cancellationToken);
        Console.WriteLine($"announced v{version} on {StreamTopics.ModelUpdates}");
    }
}
