using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Personalization.Grains.Signals;
using Personalization.Storage;
using Personalization.Tests.Infrastructure;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Tests.Trainer;

public sealed class TrainingPipelineTuningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pipeline-tuning-").FullName;

    [Fact]
    public async Task The_pipeline_tunes_keeps_the_settings_in_the_registry_and_retunes_on_its_schedule()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPersonalizationStorage(new StorageOptions { DataDir = _dir });
        services.AddSingleton(SignalPolicy.Default);
        services.AddSingleton<TrainingPipeline>();
        await using var provider = services.BuildServiceProvider();
        await DatasetImporter.ImportAsync(MovieLensDataset.Load(MovieLensData.Generated), provider.GetRequiredService<ICatalogStore>(),
            provider.GetRequiredService<IInteractionHistory>(), NullLogger.Instance, CancellationToken.None);
        var pipeline = provider.GetRequiredService<TrainingPipeline>();
        var options = new TrainingOptions
        {
            Factors = 8, Iterations = 4, Threads = 2, LearnContentMapping = false, RetuneEvery = 2, TuneConfigurations = 4, PublishMargin = 1,
        };

        var first = await pipeline.TrainAndPublishAsync(options, CancellationToken.None);
        var tuned = first.Model.Metrics;
        Assert.Equal(first.Model.Version, tuned["tuned.version"]);
        Assert.InRange(tuned["tuned.regularization"], 0.01, 100);
        Assert.InRange(tuned["tuned.alpha"], 0.1, 100);
        Assert.True(tuned["tuned.trials"] >= 4);
        // The model is trained with what the search chose, not with the configured 20 and 10.
        Assert.Equal((float)tuned["tuned.regularization"], first.Model.Regularization);
        Assert.Equal((float)tuned["tuned.alpha"], first.Model.Alpha);

        // The next version reads them back from the registry instead of searching again.
        var second = await pipeline.TrainAndPublishAsync(options, CancellationToken.None);
        Assert.Equal(first.Model.Version, second.Model.Metrics["tuned.version"]);
        Assert.Equal(first.Model.Regularization, second.Model.Regularization);
        Assert.Equal(first.Model.Alpha, second.Model.Alpha);
        Assert.False(second.Model.Metrics.ContainsKey("tuned.seconds") && second.Model.Metrics["tuned.seconds"] != tuned["tuned.seconds"]);

        // Two versions after the tuning, it searches again.
        var third = await pipeline.TrainAndPublishAsync(options, CancellationToken.None);
        Assert.Equal(third.Model.Version, third.Model.Metrics["tuned.version"]);

        // Without a schedule nothing is tuned and the configured values train.
        var plain = await pipeline.TrainAndPublishAsync(new TrainingOptions { Factors = 8, Iterations = 4, Threads = 2, LearnContentMapping = false, PublishMargin = 1 },
            CancellationToken.None);
        Assert.DoesNotContain(plain.Model.Metrics.Keys, k => k.StartsWith("tuned.", StringComparison.Ordinal));
        Assert.Equal(20f, plain.Model.Regularization);
        Assert.Equal(10f, plain.Model.Alpha);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
