using Microsoft.Extensions.DependencyInjection;
using Personalization.Grains;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Grains;

/// <summary>Grain references built from the once-resolved grain type are the typed proxies, also on a raced first use.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class KeyedGrainsTests(SharedSiloFixture fixture)
{
    [Fact]
    public async Task References_made_by_threads_racing_the_first_use_are_all_typed()
    {
        var factory = fixture.Silo.Services.GetRequiredService<IGrainFactory>();
        for (var round = 0; round < 300; round++)
        {
            // A fresh instance each round: every round races the resolution it does once. A torn read is a window of a few
            // nanoseconds, so this catches it seldom; what it pins is that no raced first use yields an untyped reference.
            var users = new KeyedGrains<IUserGrain>(factory);
            using var start = new Barrier(4);
            // Each thread keeps asking while the others publish what they resolved: a reader must never see it half written.
            var untyped = await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                start.SignalAndWait();
                var wrong = 0;
                for (var i = 0; i < 50; i++)
                {
                    try
                    {
                        if (users.Get($"keyed-{round}-{t}-{i}") is null) wrong++;
                    }
                    catch (InvalidCastException)
                    {
                        wrong++;
                    }
                }
                return wrong;
            })));
            Assert.All(untyped, wrong => Assert.Equal(0, wrong));
        }
    }

    [Fact]
    public void A_reference_names_the_grain_of_its_key()
    {
        var factory = fixture.Silo.Services.GetRequiredService<IGrainFactory>();
        var users = new KeyedGrains<IUserGrain>(factory);

        var reference = users.Get("keyed-user");

        Assert.Equal(factory.GetGrain<IUserGrain>("keyed-user").GetGrainId(), reference.GetGrainId());
        Assert.Equal("keyed-user", reference.GetPrimaryKeyString());
    }
}
