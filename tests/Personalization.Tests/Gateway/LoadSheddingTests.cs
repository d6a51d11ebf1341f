using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Gateway;

/// <summary>
/// A full silo sheds what it cannot serve with 503 problem details and Retry-After at once, instead of queueing
/// without bound; health probes and metrics are never shed; once load falls, every request is served again.
/// </summary>
public sealed class LoadSheddingTests
{
    [Fact]
    public async Task Beyond_its_write_slots_a_silo_sheds_writes_with_503_and_Retry_After_and_keeps_serving_reads()
    {
        // A fixed limit of two (lowest = highest); no queue: a probe is answered at once, served or shed.
        // No minimum body rate: Kestrel would otherwise abort a held upload five seconds into its body, freeing its slot
        // before a busy machine's probes see the silo full (CI runs many silos in one process as the suite starts).
        await using var silo = await TestSilo.StartAsync(null, "--LoadShedding:MaxConcurrentRequests=2", "--LoadShedding:MinConcurrentRequests=2",
            "--LoadShedding:RetryAfterSeconds=2", "--Gateway:MinRequestBodyBytesPerSecond=0");
        var logBefore = silo.TopicSize(StreamTopics.Interactions);

        // Two uploads that hold their slots until released (the limiter admits a request before its body is read): raw
        // HTTP/1.1, so the body's last byte goes exactly when the test says.
        // Each is admitted before the next starts and before any probe: a probe in flight beside them would take a slot.
        var held = new HeldUpload[2];
        for (var i = 0; i < held.Length; i++)
            held[i] = await HeldUpload.StartAsync(silo.Address, Encoding.UTF8.GetBytes($$"""{"userId":"shed-user","itemId":"i{{i + 1}}","type":"play"}"""));
        await TestSilo.EventuallyAsync(async () => await ShedAsync(silo), shed => shed, TimeSpan.FromSeconds(30), "the silo to be full");

        // Writes are full: the next write is shed at once, and wrote nothing.
        using (var shed = await silo.Client.Http.PostAsJsonAsync("v1/events", new { userId = "shed-user", itemId = "i9", type = "play" }))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
            Assert.Equal(TimeSpan.FromSeconds(2), shed.Headers.RetryAfter?.Delta);
            Assert.Equal("application/problem+json", shed.Content.Headers.ContentType?.MediaType);
            var problem = await shed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(503, problem.GetProperty("status").GetInt32());
            Assert.Contains("overloaded", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        }
        // Reads have slots of their own (writes stuck on a broker must not take them), and operators still see the silo.
        using (var read = await silo.Client.Http.GetAsync("v1/users/u1/recommendations?k=5")) Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        using (var health = await silo.Client.Http.GetAsync("healthz")) Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var metrics = await silo.Client.Http.GetStringAsync("metrics");
        Assert.Contains("aspnetcore_rate_limiting_requests", metrics, StringComparison.Ordinal);

        var answers = await Task.WhenAll(held.Select(h => h.FinishAsync()));
        Assert.All(answers, status => Assert.Equal(202, status));
        Assert.Equal(logBefore + 2, silo.TopicSize(StreamTopics.Interactions)); // the shed requests wrote nothing
        using var after = await silo.Client.Http.PostAsJsonAsync("v1/events", new { userId = "shed-user", itemId = "i9", type = "play" });
        Assert.Equal(HttpStatusCode.Accepted, after.StatusCode);
    }

    [Fact]
    public async Task The_minimum_upload_rate_is_Kestrel_s_unless_configured()
    {
        // The default keeps Kestrel's guard against uploads that hold a slot by trickling (240 B/s after 5 s); 0 lifts it.
        await using var silo = await TestSilo.StartAsync(null, "--Gateway:MinRequestBodyBytesPerSecond=0");
        Assert.Null(KestrelLimits(silo).MinRequestBodyDataRate);
        await using var standard = await TestSilo.StartAsync();
        var rate = KestrelLimits(standard).MinRequestBodyDataRate;
        Assert.NotNull(rate);
        Assert.Equal(240, rate.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(5), rate.GracePeriod);
    }

    private static KestrelServerLimits KestrelLimits(TestSilo silo) => silo.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

    /// <summary>Probes with a write that must be shed when writes are full (and answers 400, writing nothing, otherwise).</summary>
    private static async Task<bool> ShedAsync(TestSilo silo)
    {
        using var probe = await silo.Client.Http.PostAsync("v1/events", new StringContent("{}", Encoding.UTF8, "application/json"));
        return probe.StatusCode == HttpStatusCode.ServiceUnavailable;
    }

    /// <summary>A <c>POST /v1/events</c> sent but for the body's last byte.</summary>
    private sealed class HeldUpload(System.Net.Sockets.TcpClient tcp, byte[] json)
    {
        /// <summary>
        /// Sends the headers with <c>Expect: 100-continue</c> and waits for the <c>100 Continue</c>, which Kestrel sends
        /// when the endpoint first reads the body: the request holds its slot from then on. Then the body but its last byte.
        /// </summary>
        public static async Task<HeldUpload> StartAsync(Uri gateway, byte[] json)
        {
            var tcp = new System.Net.Sockets.TcpClient(gateway.Host, gateway.Port) { NoDelay = true };
            var stream = tcp.GetStream();
            var head = Encoding.ASCII.GetBytes(
                $"POST /v1/events HTTP/1.1\r\nHost: {gateway.Authority}\r\nContent-Type: application/json\r\nContent-Length: {json.Length}\r\nExpect: 100-continue\r\n\r\n");
            await stream.WriteAsync(head);
            // The interim answer only; the server sends nothing more before the body is complete, so no byte is left unread.
            var interim = await ReadHeadAsync(stream);
            Assert.StartsWith("HTTP/1.1 100", interim, StringComparison.Ordinal);
            await stream.WriteAsync(json.AsMemory(0, json.Length - 1));
            return new HeldUpload(tcp, json);
        }

        private static async Task<string> ReadHeadAsync(System.Net.Sockets.NetworkStream stream)
        {
            var head = new List<byte>();
            var one = new byte[1];
            while (head.Count < 4 || !(head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n'))
            {
                if (await stream.ReadAsync(one) == 0) break;
                head.Add(one[0]);
            }
            return Encoding.ASCII.GetString([.. head]);
        }

        /// <summary>Sends the last byte and returns the answer's status code.</summary>
        public async Task<int> FinishAsync()
        {
            using (tcp)
            {
                var stream = tcp.GetStream();
                await stream.WriteAsync(json.AsMemory(json.Length - 1));
                using var reader = new StreamReader(stream, Encoding.ASCII);
                var statusLine = await reader.ReadLineAsync() ?? "";
                return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
