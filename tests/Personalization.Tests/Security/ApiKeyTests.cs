using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Personalization.Client;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Security;

/// <summary>A silo with a user key and an admin key, whose logs are all captured.</summary>
public sealed class KeyedSiloFixture : IAsyncLifetime
{
    /// <summary>The user key.</summary>
    public const string UserKey = "user-key-3f9c2a7e5b1d4c80";

    /// <summary>The admin key.</summary>
    public const string AdminKey = "admin-key-8e1b6d2f0a9c4e73";

    /// <summary>Every log message of the silo, at every level.</summary>
    public CapturingLoggerProvider Logs { get; } = new();

    /// <summary>The silo.</summary>
    public TestSilo Silo { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Silo = await TestSilo.StartAsync(null, builder =>
        {
            builder.Logging.AddProvider(Logs);
            builder.Logging.AddFilter<CapturingLoggerProvider>(null, LogLevel.Trace);
        },
        "--Security:ApiKeys:0:Name=svc", "--Security:ApiKeys:0:Key=" + UserKey, "--Security:ApiKeys:0:Role=user",
        "--Security:ApiKeys:1:Name=ops", "--Security:ApiKeys:1:Key=" + AdminKey, "--Security:ApiKeys:1:Role=admin");

    /// <inheritdoc />
    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>With API keys configured, writes need a key, admin endpoints an admin key, reads none; keys never reach logs or traces.</summary>
public sealed class ApiKeyTests(KeyedSiloFixture fixture) : IClassFixture<KeyedSiloFixture>
{
    private const string OneEvent = """{"userId":"key-user","itemId":"i1","type":"play"}""";
    private const string AnItem = """{"title":"Keyed item","genres":["Drama"]}""";

    private TestSilo Silo => fixture.Silo;

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (key is not null) request.Headers.Add("X-Api-Key", key);
        return await Silo.Client.Http.SendAsync(request);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }

    public static TheoryData<string, string, string?> Writes => new()
    {
        { "POST", "v1/events", OneEvent },
        { "PUT", "v1/items/keyed-item", AnItem },
        { "POST", "v1/admin/train", null },
        { "GET", "v1/admin/models", null },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Writes_and_admin_calls_without_a_key_get_401_with_WWW_Authenticate(string method, string path, string? body)
    {
        using var response = await SendAsync(new HttpMethod(method), path, null, body);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("ApiKey header=\"X-Api-Key\"", response.Headers.WwwAuthenticate.ToString());
    }

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Writes_and_admin_calls_with_an_unknown_key_get_401(string method, string path, string? body)
    {
        using var response = await SendAsync(new HttpMethod(method), path, "not-a-key-0000000000000000", body);
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_user_key_may_write_events_and_items()
    {
        using (var events = await SendAsync(HttpMethod.Post, "v1/events", KeyedSiloFixture.UserKey, OneEvent))
            Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
        using (var item = await SendAsync(HttpMethod.Put, "v1/items/keyed-item-user", KeyedSiloFixture.UserKey, AnItem))
            Assert.True(item.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"PUT item answered {item.StatusCode}");
    }

    [Fact]
    public async Task Admin_endpoints_refuse_a_user_key_with_403_and_accept_the_admin_key()
    {
        using (var train = await SendAsync(HttpMethod.Post, "v1/admin/train", KeyedSiloFixture.UserKey))
            await AssertProblemAsync(train, HttpStatusCode.Forbidden);
        using (var models = await SendAsync(HttpMethod.Get, "v1/admin/models", KeyedSiloFixture.UserKey))
            await AssertProblemAsync(models, HttpStatusCode.Forbidden);

        using (var models = await SendAsync(HttpMethod.Get, "v1/admin/models", KeyedSiloFixture.AdminKey))
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        using (var train = await SendAsync(HttpMethod.Post, "v1/admin/train", KeyedSiloFixture.AdminKey))
            Assert.True(train.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Conflict, $"POST train answered {train.StatusCode}");
        // An admin key may also do what a user key may.
        using (var events = await SendAsync(HttpMethod.Post, "v1/events", KeyedSiloFixture.AdminKey, OneEvent))
            Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
    }

    [Theory]
    [InlineData("v1/users/key-reader/rows?rows=2&perRow=3")]
    [InlineData("v1/users/key-reader/recommendations?k=3")]
    [InlineData("v1/cluster")]
    [InlineData("healthz")]
    public async Task Reads_need_no_key(string path)
    {
        using var response = await SendAsync(HttpMethod.Get, path, null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task The_client_SDK_sends_its_key()
    {
        using var http = new HttpClient { BaseAddress = Silo.Address };
        var anonymous = new PersonalizationClient(http);
        var error = await Assert.ThrowsAsync<PersonalizationApiException>(() => anonymous.TrackAsync([new InteractionEvent { UserId = "sdk-user", ItemId = "i2", Type = InteractionType.Play }]));
        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);

        var client = new PersonalizationClient(Silo.Address, KeyedSiloFixture.UserKey);
        using (client.Http)
            Assert.Equal(1, await client.TrackAsync([new InteractionEvent { UserId = "sdk-user", ItemId = "i2", Type = InteractionType.Play }]));
    }

    [Fact]
    public async Task Keys_never_appear_in_logs_or_traces()
    {
        var tags = new ConcurrentQueue<string>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                tags.Enqueue(a.DisplayName);
                foreach (var (key, value) in a.TagObjects) tags.Enqueue($"{key}={value}");
                foreach (var (key, value) in a.Baggage) tags.Enqueue($"{key}={value}");
                foreach (var e in a.Events) tags.Enqueue(e.Name);
            },
        };
        ActivitySource.AddActivityListener(listener);

        const string wrong = "wrong-key-5a5a5a5a5a5a5a5a";
        foreach (var key in new[] { KeyedSiloFixture.UserKey, KeyedSiloFixture.AdminKey, wrong })
        {
            (await SendAsync(HttpMethod.Post, "v1/events", key, OneEvent)).Dispose();
            (await SendAsync(HttpMethod.Put, "v1/items/keyed-log-item", key, AnItem)).Dispose();
            (await SendAsync(HttpMethod.Get, "v1/admin/models", key)).Dispose();
            (await SendAsync(HttpMethod.Get, "v1/users/key-user/rows?rows=2&perRow=2", key)).Dispose();
        }
        await Task.Delay(500); // let the events reach their grains (and any logging on the way)

        Assert.NotEmpty(fixture.Logs.Entries);
        Assert.NotEmpty(tags);
        foreach (var secret in new[] { KeyedSiloFixture.UserKey, KeyedSiloFixture.AdminKey, wrong })
        {
            Assert.DoesNotContain(fixture.Logs.Entries, e => e.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(tags, t => t.Contains(secret, StringComparison.Ordinal));
        }
    }
}
