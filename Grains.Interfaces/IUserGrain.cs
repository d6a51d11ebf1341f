using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>
/// A user's grain: placed by the user's partition of <c>interactions</c>; keeps the user's recent
/// interactions and a live vector folded in against the current model, and ranks for them.
/// </summary>
/// <remarks>
/// Reads interleave with the grain's other calls: a checkpoint waiting on a frozen database, or a dead letter waiting
/// on the broker, must not hold the user's page. A read works on the state within one turn (after its only await, for
/// the experiment assignment), and never changes it.
/// </remarks>
[Alias("user")]
public interface IUserGrain : Orleans.IGrainWithStringKey
{
    /// <summary>What the grain holds: interaction count, recent events, model version.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<UserView> GetViewAsync(int recent);

    /// <summary>Top items for the user, excluding what they already played or rated.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<RecommendationsResponse> GetRecommendationsAsync(int count);

    /// <summary>The user's home page rows.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<RowsResponse> GetRowsAsync(RowsRequest request);

    /// <summary>The user's current features for the artwork bandit (empty while no model is loaded).</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<float[]> GetArtworkContextAsync();
}
