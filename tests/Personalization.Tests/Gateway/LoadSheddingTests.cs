using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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
        await using var silo = await TestSilo.StartAsync(null, "--LoadShedding:MaxConcurrentRequests=2", "--LoadShedding:MinConcurrentRequests=2",
            "--LoadShedding:RetryAfterSeconds=2");
        var logBefore = silo.TopicSize(StreamTopics.Interactions);

        // Two uploads that hold their slots until released (the limiter admits a request before its body is read): raw
        // HTTP/1.1, so the body ends exactly when the test says.
        var held = Enumerable.Range(0, 2).Select(i => HeldUpload.Start(silo.Address,
            Encoding.UTF8.GetBytes($$"""{"userId":"shed-user","itemId":"i{{i + 1}}","type":"play"}"""))).ToArray();
        await TestSilo.EventuallyAsync(async () => await ShedAsync(silo), shed => shed, TimeSpan.FromSeconds(10), "the silo to be full");

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

    /// <summary>Probes with a write that must be shed when writes are full (and answers 400, writing nothing, otherwise).</summary>
    private static async Task<bool> ShedAsync(TestSilo silo)
    {
        using var probe = await silo.Client.Http.PostAsync("v1/events", new StringContent("{}", Encoding.UTF8, "application/json"));
        return probe.StatusCode == HttpStatusCode.ServiceUnavailable;
    }

    /// <summary>
    /// A <c>POST /v1/events</c> whose body is still coming: the event, then trailing spaces (JSON allows them) a few at a
    /// time until released. A body that merely stopped would lose its slot after five seconds: Kestrel aborts a request
    /// body slower than 240 bytes/s once its grace period ends, and a busy CI machine can take that long to see the silo
    /// full. This one trickles 1,280 bytes/s, well above that rate, for as long as the test holds it.
    /// </summary>
    private sealed class HeldUpload
    {
        private const int Padding = 256 * 1024; // 200 s of trickle; the gateway takes bodies up to 1 MiB
        private const int Chunk = 64;
        private readonly System.Net.Sockets.TcpClient _tcp;
        private readonly CancellationTokenSource _release = new();
        private readonly Task<int> _trickle;

        private HeldUpload(System.Net.Sockets.TcpClient tcp)
        {
            _tcp = tcp;
            _trickle = TrickleAsync();
        }

        public static HeldUpload Start(Uri gateway, byte[] json)
        {
            var tcp = new System.Net.Sockets.TcpClient(gateway.Host, gateway.Port) { NoDelay = true };
            var head = Encoding.ASCII.GetBytes(
                $"POST /v1/events HTTP/1.1\r\nHost: {gateway.Authority}\r\nContent-Type: application/json\r\nContent-Length: {json.Length + Padding}\r\n\r\n");
            tcp.GetStream().Write([.. head, .. json]);
            return new HeldUpload(tcp);
        }

        // Spaces until released, keeping at least one back so the body cannot end early; returns how many were sent.
        private async Task<int> TrickleAsync()
        {
            var spaces = Encoding.ASCII.GetBytes(new string(' ', Chunk));
            var sent = 0;
            try
            {
                while (sent + Chunk < Padding)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(50), _release.Token);
                    await _tcp.GetStream().WriteAsync(spaces); // not cancelled: a send cut short could leave part of a chunk
                    sent += Chunk;
                }
            }
            catch (OperationCanceledException) when (_release.IsCancellationRequested)
            {
                // Released: FinishAsync sends the rest.
            }
            return sent;
        }

        /// <summary>Sends the rest of the body and returns the answer's status code.</summary>
        public async Task<int> FinishAsync()
        {
            using (_tcp)
            {
                await _release.CancelAsync();
                var sent = await _trickle;
                var stream = _tcp.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(new string(' ', Padding - sent)));
                using var reader = new StreamReader(stream, Encoding.ASCII);
                var statusLine = await reader.ReadLineAsync() ?? "";
                return int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
    }
}
