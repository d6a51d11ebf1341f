using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>An item's grain: placed by the item's partition of <c>item-events</c>; keeps live counters.</summary>
[Alias("item")]
public interface IItemGrain : Orleans.IGrainWithStringKey
{
    /// <summary>The item's live counters.</summary>
    Task<ItemStats> GetStatsAsync();

    /// <summary>Impressions and clicks per artwork variant id.</summary>
    Task<IReadOnlyList<ArtworkCounters>> GetArtworkStatsAsync();
}
