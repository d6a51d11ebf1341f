using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>An item's grain: placed by the item's partition of <c>item-events</c>; keeps live counters.</summary>
/// <remarks>Reads interleave with the grain's other calls, as <see cref="IUserGrain"/>'s do.</remarks>
[Alias("item")]
public interface IItemGrain : Orleans.IGrainWithStringKey
{
    /// <summary>The item's live counters.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ItemStats> GetStatsAsync();

    /// <summary>Impressions and clicks per artwork variant id.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<ArtworkCounters>> GetArtworkStatsAsync();
}
