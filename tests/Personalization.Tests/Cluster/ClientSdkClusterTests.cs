using System.Net;
using Personalization.Client;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Cluster;

/// <summary>The SDK against the local cluster of processes: around a gateway that died.</summary>
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
    public async Task Calls_go_around_a_gateway_that_died()
    {
        var alive = (await cluster.ViewAsync()).Silos.Count(s => s.Status == "alive");
        var doomed = await cluster.AddSiloAsync($"silo-sdk-{Guid.NewGuid():N}"[..16]);
        await cluster.WaitForAsync(v => ClusterFixture.Balanced(v, alive + 1), TimeSpan.FromSeconds(60), "the new silo to read partitions");
        var other = cluster.Silos.First(s => s.IsRunning && s != doomed);
        var client = Create(doomed.Address, o => { o.Seeds.Add(other.Address); o.MaxRetries = 40; o.MaxRetryDelay = TimeSpan.FromSeconds(1); });

        // Any gateway serves any user: the first seed answers while it lives.
        for (var u = 0; u < 10; u++)
        {
            using var response = await client.Http.GetAsync($"v1/users/sdk-user-{u}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        Assert.Equal(doomed.Address, client.Routing!.LastGateway);
        Assert.Equal(0, client.Routing.Fallbacks);

        // Killed: calls go to the next gateway, and are retried through the 503s while Orleans evicts the dead silo.
        doomed.Kill();
        var fallbacksBefore = client.Routing.Fallbacks;
        for (var u = 0; u < 10; u++)
        {
            using var served = await client.Http.GetAsync($"v1/users/sdk-user-{u}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }
        Assert.NotEqual(doomed.Address, client.Routing.LastGateway);
        Assert.True(client.Routing.Fallbacks > fallbacksBefore, "the first seed was down: the calls went elsewhere");

        // Leave the shared cluster as it was found: the survivors read everything and nobody counts the dead silo alive.
        await cluster.WaitForAsync(v => v.Silos.All(s => s.Id != doomed.Name || s.Status != "alive") && ClusterFixture.Balanced(v, alive),
            TimeSpan.FromSeconds(60), "the cluster to settle without the killed silo");
    }
}
