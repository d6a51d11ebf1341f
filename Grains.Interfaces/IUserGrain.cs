using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>
/// A user's grain: placed by the user's partition of <c>interactions</c>; keeps the user's recent
/// interactions and a live vector folded in against the current model, and ranks for them.
/// </summary>
[Alias("user")]
public interface IUserGrain : Orleans.IGrainWithStringKey
{
    /// <summary>What the grain holds: interaction count, recent events, model version.</summary>
    Task<UserView> GetViewAsync(int recent);

    /// <summary>Top items for the user, excluding what they already played or rated.</summary>
    Task<RecommendationsResponse> GetRecommendationsAsync(int count);

    /// <summary>The user's home page rows.</summary>
    Task<RowsResponse> GetRowsAsync(RowsRequest request);

    /// <summary>The user's current features for the artwork bandit (empty while no model is loaded).</summary>
    Task<float[]> GetArtworkContextAsync();
}
