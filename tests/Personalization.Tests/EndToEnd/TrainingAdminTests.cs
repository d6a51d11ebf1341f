using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>Training on demand (<c>POST /v1/admin/train</c>) and on a schedule, while the silo keeps serving.</summary>
public sealed class TrainingAdminTests
{
    [Fact]
    public async Task Admin_train_runs_in_the_background_publishes_through_the_gate_and_the_silo_keeps_serving()
    {
        await using var silo = await TestSilo.StartAsync();
        using var http = new HttpClient { BaseAddress = silo.Address };

        using var stop = new CancellationTokenSource();
        var failures = 0;
        var served = 0;
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await silo.Client.GetRecommendationsAsync("u7", 10);
                    Interlocked.Increment(ref served);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });

        var response = await http.PostAsync("v1/admin/train", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!;
        var run = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("running", run.GetProperty("status").GetString());
        Assert.Equal("admin", run.GetProperty("trigger").GetString());

        // A second request while the first runs is refused with the running run's id.
        var second = await http.PostAsync("v1/admin/train", null);
        if (second.StatusCode == HttpStatusCode.Conflict)
            Assert.Equal(run.GetProperty("id").GetString(), (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("runId").GetString());
        else
            Assert.Equal(HttpStatusCode.Accepted, second.StatusCode); // the first had already finished

        var finished = await TestSilo.EventuallyAsync(() => http.GetFromJsonAsync<JsonElement>(location),
            r => r.GetProperty("status").GetString() != "running", TimeSpan.FromSeconds(60), "the training run to finish");
        Assert.Equal("published", finished.GetProperty("status").GetString());
        var version = finished.GetProperty("version").GetInt64();
        Assert.True(version >= 2);
        Assert.Contains("time.ndcg@20", finished.GetProperty("reason").GetString());
        Assert.True(finished.GetProperty("metrics").GetProperty("time.recall@20").GetDouble() > 0);

        await TestSilo.EventuallyAsync(() => silo.Client.GetRecommendationsAsync("u7", 10), r => r.ModelVersion == version,
            TimeSpan.FromSeconds(10), $"model v{version} to be served");
        await stop.CancelAsync();
        await reader;
        Assert.Equal(0, failures);
        Assert.True(served > 0);

        var models = await http.GetFromJsonAsync<JsonElement>("v1/admin/models");
        Assert.Equal(version, models[0].GetProperty("version").GetInt64());
        Assert.True(models[0].GetProperty("metrics").GetProperty("time.ndcg@20").GetDouble() > 0);

        var missing = await http.GetAsync("v1/admin/train/no-such-run");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Enough_new_events_trigger_a_scheduled_training_run()
    {
        await using var silo = await TestSilo.StartAsync(null,
            "--Training:Schedule:MinNewEvents=30", "--Training:Schedule:CheckInterval=00:00:00.200");
        var before = (await silo.Client.GetRecommendationsAsync("u3", 5)).ModelVersion;

        await silo.Client.TrackAsync(Enumerable.Range(1, 30).Select(i => new InteractionEvent { UserId = $"fresh{i % 7}", ItemId = $"i{i * 13}", Type = InteractionType.Play }));

        var after = await TestSilo.EventuallyAsync(() => silo.Client.GetRecommendationsAsync("u3", 5), r => r.ModelVersion > before,
            TimeSpan.FromSeconds(60), "a scheduled model to be served");
        Assert.Equal(before + 1, after.ModelVersion);
    }
}
