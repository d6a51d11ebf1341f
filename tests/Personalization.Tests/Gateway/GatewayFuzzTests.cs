using System.Globalization;
using System.Net;
using System.Text.Json;
using CsCheck;
using Personalization.Grains;
using Personalization.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Personalization.Tests.Gateway;

/// <summary>A silo of the fuzz suite's own: fuzzed experiments and catalog writes must not shape other tests' answers.</summary>
public sealed class FuzzSiloFixture : IAsyncLifetime
{
    /// <summary>The silo.</summary>
    public TestSilo Silo { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Silo = await TestSilo.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

/// <summary>
/// The fuzz suite: generated and mutated requests against every endpoint of a running silo. Every answer is below
/// 500, every refusal is an RFC 9457 problem, and nothing but the accepted events reaches the event log. CI runs a
/// fixed seed and a bounded count; <c>FUZZ_SEED</c> and <c>FUZZ_CASES</c> run others (docs/reliability.md).
/// </summary>
public sealed class GatewayFuzzTests(FuzzSiloFixture fixture, ITestOutputHelper output) : IClassFixture<FuzzSiloFixture>
{
    private const ulong DefaultSeed = 20261130;
    private const int DefaultCases = 10_000;

    [Fact]
    public async Task Hostile_requests_get_4xx_problems_and_only_accepted_events_reach_the_log()
    {
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s) ? s : DefaultSeed;
        var cases = int.TryParse(Environment.GetEnvironmentVariable("FUZZ_CASES"), CultureInfo.InvariantCulture, out var c) ? c : DefaultCases;
        using var http = new HttpClient { BaseAddress = fixture.Silo.Address, Timeout = TimeSpan.FromSeconds(30) };
        var logBefore = fixture.Silo.TopicSize(StreamTopics.Interactions);

        var pcg = new PCG(1, seed);
        var generator = HostileRequests.Any;
        var byStatus = new SortedDictionary<int, int>();
        long accepted = 0;
        for (var i = 0; i < cases; i++)
        {
            var request = generator.Generate(pcg, null, out _);
            var (status, acceptedHere) = await SendAndCheckAsync(http, request, $"case {i} of seed {seed}");
            byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
            accepted += acceptedHere;
        }
        output.WriteLine($"{cases} cases, seed {seed}: " + string.Join(", ", byStatus.Select(p => $"{p.Key}×{p.Value}")));

        Assert.DoesNotContain(byStatus.Keys, k => k >= 500);
        // The suite is no fuzzer if nearly everything is refused for one reason, or nothing is accepted.
        Assert.True(byStatus.GetValueOrDefault(400) > cases / 5, "at least a fifth of the cases reach validation");
        Assert.True(byStatus.GetValueOrDefault(202) > 0, "some generated event bodies are valid");
        // Changed nothing: the log holds exactly the events answered 202, each once.
        Assert.Equal(logBefore + accepted, fixture.Silo.TopicSize(StreamTopics.Interactions));
    }

    /// <summary>Sends one request and checks its answer; returns its status and the events it says it accepted.</summary>
    private static async Task<(int Status, int Accepted)> SendAndCheckAsync(HttpClient http, HostileRequest request, string label)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.PathAndQuery);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            if (request.ContentType is not null) message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }
        using var response = await http.SendAsync(message);
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.True(status < 500, $"{label}: {status} for {request}\n{System.Text.Encoding.UTF8.GetString(body)}");
        if (body.Length == 0 && IsKestrelRefusal(status, request))
        {
            // Kestrel refuses these while parsing the request line, before any middleware runs, with an empty answer
            // that no application can shape (docs/reliability.md).
            return (status, 0);
        }
        if (status >= 400)
        {
            Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
                $"{label}: {status} without problem details ({response.Content.Headers.ContentType}) for {request}");
            using var problem = JsonDocument.Parse(body);
            Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.RootElement.GetProperty("title").GetString()), $"{label}: a problem names what is wrong");
        }
        if (status == (int)HttpStatusCode.Accepted && request.PathAndQuery == "/v1/events")
        {
            using var answer = JsonDocument.Parse(body);
            return (status, answer.RootElement.GetProperty("accepted").GetInt32());
        }
        return (status, 0);
    }

    /// <summary>A path that decodes to NUL (400), or a request line over Kestrel's 8 KB limit (414).</summary>
    private static bool IsKestrelRefusal(int status, HostileRequest request) =>
        (status == 400 && request.PathAndQuery.Split('?')[0].Contains("%00", StringComparison.Ordinal))
        || (status == 414 && request.PathAndQuery.Length > 8_000);
}
