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
}
