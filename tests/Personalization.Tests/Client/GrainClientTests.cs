using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Personalization.Client.Orleans;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Client;

/// <summary>Another .NET service reaches the grains through Orleans' client, with the typed grain interfaces.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class GrainClientTests(SharedSiloFixture fixture)
{
    [Fact]
    public async Task A_service_asks_a_user_grain_and_sees_what_the_gateway_sees()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddPersonalizationGrainClient(o =>
        {
            o.ClusterId = fixture.Silo.ClusterId;
            o.GatewayPort = fixture.Silo.OrleansGatewayPort;
        });
        using var host = builder.Build();
        await host.StartAsync();
        try
        {
            var grains = host.Services.GetRequiredService<PersonalizationGrains>();
            const string user = "grain-client-user";
            await fixture.Silo.TrackAndWaitAsync(user, [new InteractionEvent { UserId = user, ItemId = "i3", Type = InteractionType.Play }]);

            var view = await grains.User(user).GetViewAsync(5);
            Assert.Equal(1, view.Interactions);
            Assert.Equal("i3", Assert.Single(view.Recent).ItemId);
            var viaGrain = await grains.User(user).GetRecommendationsAsync(5);
            var viaGateway = await fixture.Silo.Client.GetRecommendationsAsync(user, 5);
            Assert.Equal(viaGateway.Items.Select(i => i.ItemId), viaGrain.Items.Select(i => i.ItemId));
            Assert.True((await grains.Item("i3").GetStatsAsync()).Plays >= 1);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
