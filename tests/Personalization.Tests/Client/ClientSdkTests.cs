using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Personalization.Client;
using Personalization.Contracts;
using Personalization.Tests.Cluster;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Client;

/// <summary>The SDK against a running silo: fallback over dead seeds, batched events, tracing, retries, deadlines.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class ClientSdkTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    private static Uri DeadGateway() => new($"http://127.0.0.1:{SiloBinary.FreePort()}/");

    private PersonalizationClient Create(Action<PersonalizationClientOptions>? configure = null, params Uri[] seeds)
    {
        var options = new PersonalizationClientOptions { Deadline = TimeSpan.FromSeconds(20) };
        foreach (var seed in seeds.Length > 0 ? seeds : [Silo.Address]) options.Seeds.Add(seed);
        configure?.Invoke(options);
        return PersonalizationClient.Create(options);
    }

    [Fact]
    public async Task A_dead_seed_is_skipped_and_a_live_gateway_answers()
    {
        var client = Create(null, DeadGateway(), Silo.Address);
        var rows = await client.GetRowsAsync("u5", rows: 3, perRow: 5, device: "web", hour: 20);
        Assert.Equal("u5", rows.UserId);
        Assert.NotEmpty(rows.Rows);
        var cluster = await client.GetClusterAsync();
        Assert.Single(cluster.Silos, s => s.Status == "alive");
        for (var u = 1; u <= 10; u++) await client.GetRecommendationsAsync($"u{u}", 3);
        Assert.Equal(Silo.Address, client.Routing!.LastGateway);
        Assert.True(client.Routing.Refusals >= 1, "the dead seed refused a connection and was skipped");
    }

    [Fact]
    public async Task Batched_events_arrive_in_a_few_posts_and_flush_waits_for_them()
    {
        var client = Create(o => { o.EventBatchSize = 200; o.EventQueueCapacity = 400; });
        const string user = "sdk-batch-user";
        var before = (await Silo.Client.GetUserAsync(user)).Interactions;
        await using (var sink = client.CreateEventBatcher())
        {
            for (var i = 0; i < 1_000; i++)
                await sink.TrackAsync(new InteractionEvent { UserId = user, ItemId = $"i{1 + i % 50}", Type = InteractionType.Impression });
            await sink.FlushAsync();
            Assert.Equal(1_000, sink.Sent);
            Assert.Equal(0, sink.Failed);
        }
        await TestSilo.EventuallyAsync(() => Silo.Client.GetUserAsync(user), u => u.Interactions == before + 1_000, TimeSpan.FromSeconds(15), "1,000 batched events");
    }

    [Fact]
    public async Task A_full_queue_makes_track_wait_and_a_rejected_batch_is_reported()
    {
        // A transport that holds every POST until released: the sink fills and TrackAsync waits (back-pressure).
        var release = new TaskCompletionSource();
        var transport = new StubTransport(async (request, ct) =>
        {
            await release.Task.WaitAsync(ct);
            var body = await request.Content!.ReadAsStringAsync(ct);
            return body.Contains("\"bad\"")
                ? new HttpResponseMessage(HttpStatusCode.BadRequest) { Content = new StringContent("""{"title":"One or more validation errors occurred.","errors":{"[0].type":["bad"]}}""", Encoding.UTF8, "application/problem+json") }
                : new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent("""{"accepted":10}""", Encoding.UTF8, "application/json") };
        });
        var options = new PersonalizationClientOptions { DiscoverGateways = false, EventBatchSize = 10, EventQueueCapacity = 20 };
        options.Seeds.Add(new Uri("http://sdk.test/"));
        var client = PersonalizationClient.Create(options, transport: transport);
        var rejected = new List<IReadOnlyList<InteractionEvent>>();
        await using var sink = client.CreateEventBatcher((batch, _) => rejected.Add(batch));
        var writer = Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++) await sink.TrackAsync(new InteractionEvent { UserId = i < 10 ? "bad" : "u", ItemId = "i", Type = InteractionType.Play });
        });
        await Task.Delay(500);
        Assert.False(writer.IsCompleted, "60 events cannot fit a queue of 20 plus one batch in flight while the cluster holds them");
        release.SetResult();
        await writer.WaitAsync(TimeSpan.FromSeconds(10));
        await sink.FlushAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(50, sink.Sent);
        Assert.Equal(10, sink.Failed);
        Assert.Single(rejected);
    }

    [Fact]
    public async Task Reads_are_retried_through_503s_writes_are_not_retried_after_a_500_and_the_deadline_holds()
    {
        var calls = 0;
        var transport = new StubTransport((request, _) =>
        {
            var n = Interlocked.Increment(ref calls);
            if (request.Method == HttpMethod.Get && request.RequestUri!.AbsolutePath.EndsWith("/slow", StringComparison.Ordinal))
                return Hang(_);
            if (request.Method == HttpMethod.Get && n < 3)
            {
                var busy = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
                busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromMilliseconds(10));
                return Task.FromResult(busy);
            }
            if (request.Method == HttpMethod.Post) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent("""{"userId":"u1","modelVersion":3,"items":[]}""", Encoding.UTF8, "application/json"),
            });
        });
        var options = new PersonalizationClientOptions { DiscoverGateways = false, RetryDelay = TimeSpan.FromMilliseconds(5), Deadline = TimeSpan.FromSeconds(1) };
        options.Seeds.Add(new Uri("http://sdk.test/"));
        var client = PersonalizationClient.Create(options, transport: transport);

        var list = await client.GetRecommendationsAsync("u1", 5);
        Assert.Equal(3, list.ModelVersion);
        Assert.Equal(3, calls); // two 503s, then the answer

        calls = 0;
        var failure = await Assert.ThrowsAsync<PersonalizationApiException>(() => client.TrackAsync([new InteractionEvent { UserId = "u", ItemId = "i", Type = InteractionType.Play }]));
        Assert.Equal(HttpStatusCode.InternalServerError, failure.Status);
        Assert.Equal(1, calls); // a POST that may have been applied is never repeated

        // The deadline on the client's clock: a call that hangs is still waiting just before it and fails at it. A minute
        // long, so the test's real time cannot reach it first.
        var time = new FakeTimeProvider();
        var timedOptions = new PersonalizationClientOptions { DiscoverGateways = false, AttemptTimeout = TimeSpan.FromMinutes(2), Deadline = TimeSpan.FromMinutes(1) };
        timedOptions.Seeds.Add(new Uri("http://sdk.test/"));
        var slow = PersonalizationClient.Create(timedOptions, time, transport).Http.GetAsync("v1/slow");
        time.Advance(TimeSpan.FromSeconds(59.9));
        Assert.False(slow.IsCompleted, "the call ended before its deadline");
        time.Advance(TimeSpan.FromSeconds(0.1));
        var expired = await Assert.ThrowsAsync<TimeoutException>(() => slow.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains("within the deadline of 60 s", expired.Message, StringComparison.Ordinal); // the client's, not WaitAsync's

        using var cancelled = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.Http.GetAsync("v1/slow", cancelled.Token));
    }

    [Fact]
    public async Task The_trace_context_of_the_caller_reaches_the_gateway()
    {
        var spans = new System.Collections.Concurrent.ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name is PersonalizationClient.TelemetryName or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var client = Create();
        using var caller = new Activity("caller").Start();
        await client.GetRowsAsync("u9", rows: 2, perRow: 3, device: "web", hour: 20);
        caller.Stop();
        var clientSpan = Assert.Single(spans, s => s.Source.Name == PersonalizationClient.TelemetryName && s.TraceId == caller.TraceId);
        Assert.Equal("GET /v1/users/{id}/rows", clientSpan.DisplayName);
        Assert.Contains(spans, s => s.Source.Name == "Microsoft.AspNetCore" && s.TraceId == caller.TraceId);
    }

    private static async Task<HttpResponseMessage> Hang(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new HttpResponseMessage(HttpStatusCode.OK);
    }

    private sealed class StubTransport(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> respond) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => respond(request, cancellationToken);
    }
}
