using Personalization.Grains;

namespace Personalization.Client.Orleans;

/// <summary>
/// Typed access to the personalization grains from another .NET service: a user's grain answers rows and
/// recommendations, an item's grain its live counters. Orleans routes each call to wherever the grain lives.
/// </summary>
public sealed class PersonalizationGrains(IClusterClient client)
{
    private readonly KeyedGrains<IUserGrain> _users = new(client);
    private readonly KeyedGrains<IItemGrain> _items = new(client);

    /// <summary>The grain of user <paramref name="userId"/>.</summary>
    public IUserGrain User(string userId) => _users.Get(userId);

    /// <summary>The grain of item <paramref name="itemId"/>.</summary>
    public IItemGrain Item(string itemId) => _items.Get(itemId);
}
