namespace Personalization.Grains.Users;

/// <summary>User grain settings, bound from the <c>Users</c> section.</summary>
public sealed class UserGrainOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Users";

    /// <summary>Events kept for display in <c>GET /v1/users/{id}</c>.</summary>
    public int MaxRecent { get; set; } = 100;

    /// <summary>Items kept in the profile the live vector is folded from (bounds fold-in cost).</summary>
    public int MaxProfileItems { get; set; } = 1000;

    /// <summary>
    /// How long a ranked answer is reused for the same request while nothing it depends on changed (the user's events,
    /// the model or catalog, the hour's exploration seed, the experiment settings). Bounds how stale Trending and the
    /// artwork choice can be on a repeated page load; zero turns the reuse off.
    /// </summary>
    public TimeSpan ResultCacheTtl { get; set; } = TimeSpan.FromSeconds(2);
}
