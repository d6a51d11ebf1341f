using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>
/// An item's grain: placed by the item's partition of <c>item-events</c>; keeps live counters, its recent interactions
/// and a live vector re-solved from its viewers.
/// </summary>
/// <remarks>Reads interleave with the grain's other calls, as <see cref="IUserGrain"/>'s do.</remarks>
[Alias("item")]
public interface IItemGrain : Orleans.IGrainWithStringKey
{
    /// <summary>The item's live counters.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ItemStats> GetStatsAsync();

    /// <summary>A page of the most recent interactions, the latest applied first.</summary>
    /// <param name="offset">How many of the newest to skip.</param>
    /// <param name="limit">Most to return.</param>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<ItemInteractionsPage> GetRecentAsync(int offset, int limit);

    /// <summary>Impressions and clicks per artwork variant id.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<IReadOnlyList<ArtworkCounters>> GetArtworkStatsAsync();
}
