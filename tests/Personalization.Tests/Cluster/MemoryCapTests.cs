using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Xunit.Abstractions;

namespace Personalization.Tests.Cluster;

/// <summary>
/// A silo whose memory is capped (here by the GC's hard heap limit, as a container's limit would) sheds activations
/// when it nears the cap, and keeps answering: users it shed reactivate from storage.
/// </summary>
[Collection(MemoryCapCollection.Name)]
public sealed class MemoryCapTests(ITestOutputHelper output)
{
    // The embedded default with a small model under a 384 MB heap: shedding held 23,000 to 34,000 user grains in a run
    // here, so 100,000 fresh users cross the cap several times over. With shedding off, the same run threw
    // OutOfMemoryException from about the 68,000th user on (docs/scale.md).
    private const long HeapLimit = 384L << 20;
    private const int Users = 100_000;

    [Fact]
    public async Task A_silo_at_its_memory_cap_sheds_activations_and_keeps_serving()
    {
        var logDir = Path.Combine(Path.GetTempPath(), "personalization-memcap", Guid.NewGuid().ToString("N")[..8]);
        await using var silo = await SiloProcess.StartAsync("memcap", logDir,
        [
            "--Storage:DataDir=" + Path.Combine(logDir, "data"),
            "--Bootstrap:Synthetic:Users=300", "--Bootstrap:Synthetic:Items=2000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=20",
            "--Training:Factors=16", "--Training:Iterations=4", "--Logging:LogLevel:Default=Warning",
            // Admission control stays out of the way: this test is about memory, not overload.
            "--LoadShedding:MaxConcurrentRequests=0",
        ], environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimit.ToString("X", CultureInfo.InvariantCulture) });

        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var activations = new List<int>();
        var next = -1;
        async Task Worker()
        {
            for (var user = Interlocked.Increment(ref next); user < Users; user = Interlocked.Increment(ref next))
            {
                using var response = await silo.Client.Http.GetAsync($"/v1/users/cap-{user}/recommendations?k=3");
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                if (user % 5_000 == 0)
                {
                    var health = await silo.Client.Http.GetFromJsonAsync<Health>("/healthz");
                    lock (activations) activations.Add(health!.Activations);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(Worker)));
        var after = (await silo.Client.Http.GetFromJsonAsync<Health>("/healthz"))!;
        output.WriteLine($"statuses: {string.Join(", ", statuses.Select(s => $"{(int)s.Key}: {s.Value}"))}; activations every 5,000 users: {string.Join(", ", activations)}; after: {after.Activations}");

        Assert.True(silo.IsRunning, $"the silo died; see {silo.LogPath}");
        // Every answer is a ranked list, or at worst a 503 to come back (a request that met the cap before the shedding).
        Assert.DoesNotContain(statuses.Keys, s => s is not HttpStatusCode.OK and not HttpStatusCode.ServiceUnavailable);
        Assert.True(statuses.GetValueOrDefault(HttpStatusCode.OK) >= Users * 0.999, $"{statuses.GetValueOrDefault(HttpStatusCode.OK)} answered");
        // Shedding: the silo holds far fewer activations than the users it served.
        Assert.True(activations.Max() < Users / 2, $"activations peaked at {activations.Max()} of {Users} users");
        // Activations fell while fresh users kept arriving: the silo deactivated some (the idle timeout is 10 minutes).
        Assert.Contains(activations.Zip(activations.Skip(1)), pair => pair.Second < pair.First * 0.95);
        // A user shed long ago answers again, reactivated.
        using var first = await silo.Client.Http.GetAsync("/v1/users/cap-0/recommendations?k=3");
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
    }

    private sealed record Health(string Status, int Activations);
}

/// <summary>The memory-cap test runs alone: a hundred thousand requests on two cores would slow every other test.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryCapCollection
{
    /// <summary>Collection name.</summary>
    public const string Name = "memory cap";
}
