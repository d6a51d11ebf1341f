using Microsoft.Extensions.Options;
using Personalization.Grains.Serving;
using Personalization.Streaming.Kafka;
using Personalization.Silo.Hosting;
using Personalization.Silo.Models;
using Personalization.Grains.Models;
using Personalization.Storage;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Silo.Bootstrap;

/// <summary>
/// Brings an empty silo to serving: imports the data set when the catalog is empty, loads the catalog,
/// trains a first model in process when the registry has none, and serves the newest model.
/// Runs in the background so the gateway answers (503 with Retry-After) while it works.
/// </summary>
public sealed class BootstrapService(
    IOptions<BootstrapOptions> options,
    IOptions<TrainingOptions> training,
    ICatalogStore catalogStore,
    IInteractionHistory history,
    IModelStore models,
    TrainingPipeline pipeline,
    IServingModelProvider provider,
    EventProducer producer,
    StartupStatus status,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<BootstrapService> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Yield();
            var settings = options.Value;
            if (settings.ImportWhenEmpty && await catalogStore.CountAsync(stoppingToken) == 0)
            {
                status.Set("importing");
                var dataset = LoadDataset(settings, time.GetUtcNow());
                logger.LogInformation("Importing {Dataset}: {Items} items", dataset.Name, dataset.Items.Count);
                var imported = await DatasetImporter.ImportAsync(dataset, catalogStore, history, logger, stoppingToken);
                logger.LogInformation("Imported {Dataset}: {Items} items, {Interactions} interactions", dataset.Name, dataset.Items.Count, imported);
            }
            provider.Catalog.Set(await catalogStore.ReadAllAsync(stoppingToken));
            logger.LogInformation("Catalog loaded: {Items} items", provider.Catalog.Count);

            var model = await models.LoadLatestAsync(stoppingToken);
            if (model is null && settings.TrainWhenNoModel)
            {
                status.Set("training");
                model = (await pipeline.TrainAndPublishAsync(training.Value, stoppingToken)).Model;
                await ModelAnnouncement.AnnounceAsync(producer, model.Version, stoppingToken);
            }
            if (model is null)
            {
                // In a cluster the trainer process publishes models; announcements reach ModelUpdateListener,
                // and polling the registry covers one published before this silo listened.
                status.Set("waiting-for-model");
                logger.LogWarning("No model in the registry; waiting for the trainer to publish one");
                while (provider.Current is null && (model = await models.LoadLatestAsync(stoppingToken)) is null)
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            if (model is not null)
            {
                provider.Swap(model);
                await LoadOtherFamilyAsync(model, stoppingToken);
            }
            status.Set("serving");
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Bad input at first start (a missing folder, a malformed CSV line) ends the process with the
            // reason, rather than leaving a silo that can never serve.
            status.Fail(ex.Message);
            logger.LogCritical("Start-up failed: {Reason}", ex.Message);
            logger.LogDebug(ex, "Start-up failure");
            Environment.ExitCode = 3;
            lifetime.StopApplication();
        }
    }

    private static Dataset LoadDataset(BootstrapOptions settings, DateTimeOffset now) => settings.Dataset.ToLowerInvariant() switch
    {
        "movielens" => MovieLensDataset.Load(settings.DatasetPath ?? throw new InvalidOperationException("Bootstrap:DatasetPath is required for the movielens data set.")),
        "synthetic" => SyntheticDataset.Generate(settings.Synthetic, now),
        _ => throw new InvalidOperationException($"Unknown data set '{settings.Dataset}': use 'synthetic' or 'movielens'."),
    };

    /// <summary>
    /// Serves the newest model of each other family too (a Mult-VAE or SASRec beside ALS, or the reverse), so an
    /// experiment variant that names one finds it after a restart, not only after its next publication. The registry's
    /// metrics tell them apart: the trainer records a neural model's settings as <c>multvae.*</c> or <c>sasrec.*</c>.
    /// </summary>
    private async Task LoadOtherFamilyAsync(Personalization.Recommender.FactorModel served, CancellationToken cancellationToken)
    {
        var family = Personalization.Grains.Serving.ServingModel.FamilyOf(served);
        foreach (var info in (await models.ListAsync(cancellationToken)).OrderByDescending(i => i.Version))
        {
            var other = info.Metrics.ContainsKey("multvae.latent") ? "multvae" : info.Metrics.ContainsKey("sasrec.dimensions") ? "sasrec" : "als";
            if (other == family || provider.Of(other) is not null) continue;
            if (await models.LoadAsync(info.Version, cancellationToken) is { } model) provider.Swap(model);
        }
    }
}
