using Microsoft.Extensions.DependencyInjection;
using Personalization.Client;
using Personalization.Contracts;
using Personalization.Streaming.Kafka;
using Personalization.Silo.Models;
using Personalization.Grains.Models;
using Personalization.Tests.Infrastructure;
using Personalization.Trainer.Training;

namespace Personalization.Tests.EndToEnd;

/// <summary>A newly published model reaches the silo through the model-updates topic and swaps in without a failed request.</summary>
public sealed class ModelSwapTests
{
    [Fact]
    public async Task A_published_model_is_swapped_in_while_requests_keep_succeeding_and_users_refold()
    {
        await using var silo = await TestSilo.StartAsync();
        const string user = "swap-user";
        await silo.Client.TrackAsync(Enumerable.Range(1, 5).Select(i => new InteractionEvent { UserId = user, ItemId = $"i{i * 11}", Type = InteractionType.Play }));
        var view = await TestSilo.EventuallyAsync(() => silo.Client.GetUserAsync(user), v => v.Interactions == 5, TimeSpan.FromSeconds(5), "the plays to apply");
        Assert.Equal(1, view.ModelVersion);
        // The stream tap appends consumed events to the history at the next checkpoint, once each.
        var history = silo.Services.GetRequiredService<Personalization.Storage.IInteractionHistory>();
        var records = await TestSilo.EventuallyAsync(() => history.ReadUserAsync(user, importedOnly: false, 100, default), r => r.Count >= 5,
            TimeSpan.FromSeconds(5), "the plays to reach the history");
        Assert.Equal(5, records.Count);
        Assert.All(records, r => Assert.StartsWith("event:", r.SourceKey)); // keyed by the SDK's event ids, not imported

        // Readers hammer the user's rows while the trainer publishes version 2.
        using var stop = new CancellationTokenSource();
        var failures = new List<string>();
        var served = new HashSet<long>();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var page = await silo.Client.GetRowsAsync(user, rows: 4, perRow: 10);
                    lock (served) served.Add(page.ModelVersion);
                }
                catch (PersonalizationApiException ex)
                {
                    lock (failures) failures.Add(ex.Message);
                }
            }
        })).ToList();

        // The readers are reading (version 1) before the trainer starts.
        await TestSilo.EventuallyAsync(() => { lock (served) return Task.FromResult(served.Count); }, c => c > 0, TimeSpan.FromSeconds(10), "the readers' first page");
        var pipeline = silo.Services.GetRequiredService<TrainingPipeline>();
        // Margin 1: publish whatever the evaluation says; this test is about the swap, not the gate.
        var outcome = await pipeline.TrainAndPublishAsync(new TrainingOptions { Factors = 16, Iterations = 3, PublishMargin = 1 }, default);
        Assert.True(outcome.Published, outcome.Reason);
        var model = outcome.Model;
        Assert.Equal(2, model.Version);
        await ModelAnnouncement.AnnounceAsync(silo.Services.GetRequiredService<EventProducer>(), model.Version, default);

        var recommendations = await TestSilo.EventuallyAsync(() => silo.Client.GetRecommendationsAsync(user, 10), r => r.ModelVersion == 2,
            TimeSpan.FromSeconds(10), "model v2 to be served");
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.Empty(failures);
        Assert.Contains(1L, served);
        Assert.Equal(10, recommendations.Items.Count);
        // The user's vector was re-folded against the new model (16 factors now).
        Assert.Equal(2, (await silo.Client.GetUserAsync(user)).ModelVersion);
        // Version 2 saw the live plays: they were appended to the history the trainer reads.
        Assert.True(model.Metrics["train.users"] >= 601, $"the live user is in the training data: {model.Metrics["train.users"]} users");
    }
}
