using System.Net;
using Personalization.Client;
using Personalization.Client.Routing;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Cluster;

/// <summary>The SDK against the local cluster of processes: straight to the owner, and around a silo that died.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClientSdkClusterTests(ClusterFixture cluster)
{
    private PersonalizationClient Create(Uri seed, Action<PersonalizationClientOptions>? configure = null)
    {
        var options = new PersonalizationClientOptions { Deadline = TimeSpan.FromSeconds(60), MapRefreshInterval = TimeSpan.FromSeconds(1) };
        options.Seeds.Add(seed);
        configure?.Invoke(options);
        return PersonalizationClient.Create(options);
    }

    [Fact]
    public async Task Calls_go_straight_to_the_owner_and_around_a_silo_that_died()
    {
        var view = await cluster.WaitForAsync(v => v.UnownedPartitions.Values.All(p => p.Length == 0), TimeSpan.FromSeconds(60), "every partition owned");
        var seed = cluster.Silos.First(s => s.IsRunning);
        var client = Create(seed.Address, o => { o.MaxRetries = 40; o.MaxRetryDelay = TimeSpan.FromSeconds(1); });
        await client.GetClusterAsync();

        // Direct: each user's request is answered by the silo owning the user's partition, without a forward.
        var map = PartitionMap.From(view, DateTimeOffset.UtcNow);
        var names = view.Silos.ToDictionary(s => new Uri(s.Endpoint.TrimEnd('/') + "/"), s => s.Id);
        for (var u = 0; u < 30; u++)
        {
            var user = $"sdk-direct-{u}";
            using var response = await client.Http.GetAsync($"v1/users/{user}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var owner = map.OwnerOf("interactions", user)!;
            Assert.Equal(owner, client.Routing!.LastGateway);
            Assert.Equal(names[owner], response.Headers.GetValues("X-Personalization-Served-By").Single());
        }
        Assert.True(client.Routing!.DirectRequests >= 30);
        Assert.Equal(0, client.Routing.Fallbacks);
        Assert.True(view.Silos.Count(s => s.Status == "alive") >= 2, "the test needs more than one owner");

        // A silo joins, the client learns it owns some users, then it is killed: calls for its users fall back to
        // another silo and are retried through the 503s of the rebalance until the new owner serves them.
        var alive = view.Silos.Count(s => s.Status == "alive");
        var doomed = await cluster.AddSiloAsync($"silo-sdk-{Guid.NewGuid():N}"[..16]);
        var withDoomed = await cluster.WaitForAsync(v => ClusterFixture.Balanced(v, alive + 1), TimeSpan.FromSeconds(60), "the new silo to own partitions");
        var doomedMap = PartitionMap.From(withDoomed, DateTimeOffset.UtcNow);
        var victimUser = Enumerable.Range(0, 10_000).Select(i => $"sdk-orphan-{i}").First(u => doomedMap.OwnerOf("interactions", u) == doomed.Address);
        await TestSilo.EventuallyAsync(async () =>
        {
            client.Routing.Invalidate();
            using var r = await client.Http.GetAsync($"v1/users/{victimUser}");
            return client.Routing.LastGateway;
        }, g => g == doomed.Address, TimeSpan.FromSeconds(20), "the client to route to the new silo");

        doomed.Kill();
        var fallbacksBefore = client.Routing.Fallbacks;
        using var served = await client.Http.GetAsync($"v1/users/{victimUser}");
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        Assert.NotEqual(doomed.Name, served.Headers.GetValues("X-Personalization-Served-By").Single());
        Assert.NotEqual(doomed.Address, client.Routing.LastGateway);
        Assert.True(client.Routing.Fallbacks > fallbacksBefore, "the owner was down: the call went elsewhere");

        // Leave the shared cluster as it was found: the survivors own everything and nobody counts the dead silo alive.
        await cluster.WaitForAsync(v => v.Silos.All(s => s.Id != doomed.Name || s.Status != "alive") && ClusterFixture.Balanced(v, alive),
            TimeSpan.FromSeconds(60), "the cluster to settle without the killed silo");
    }
}
