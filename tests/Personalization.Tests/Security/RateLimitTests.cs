using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Security;

/// <summary>A per-client token bucket: a burst beyond it gets 429 problem details with Retry-After; health probes and other clients are unaffected.</summary>
public sealed class RateLimitTests
{
    private const string UserKey = "rate-key-7c4e1a9b2d6f3e05";

    [Fact]
    public async Task A_burst_beyond_the_limit_gets_429_with_Retry_After_per_client()
    {
        await using var silo = await TestSilo.StartAsync(null,
            "--RateLimit:PermitsPerSecond=5", "--RateLimit:Burst=5",
            "--Security:ApiKeys:0:Name=svc", "--Security:ApiKeys:0:Key=" + UserKey, "--Security:ApiKeys:0:Role=user");
        var http = silo.Client.Http;

        // Anonymous callers share their address's bucket: 5 at once pass, the rest of a fast burst do not.
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < 15; i++) statuses.Add(await http.GetAsync("v1/cluster"));
        var rejected = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(statuses.Count(r => r.StatusCode == HttpStatusCode.OK), 5, 9); // a refill may land during the burst
        Assert.NotEmpty(rejected);
        var first = rejected[0];
        Assert.True(first.Headers.RetryAfter?.Delta is { TotalSeconds: >= 1 }, $"Retry-After: {first.Headers.RetryAfter}");
        Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
        var problem = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        foreach (var response in statuses) response.Dispose();

        // Health probes are never limited, and a keyed client has its own bucket.
        using (var health = await http.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var keyed = new HttpRequestMessage(HttpMethod.Get, "v1/cluster");
        keyed.Headers.Add("X-Api-Key", UserKey);
        using (var response = await http.SendAsync(keyed)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
