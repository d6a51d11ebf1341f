namespace Personalization.Grains;

/// <summary>Names of the grain storage providers the grains use.</summary>
public static class GrainStorageNames
{
    /// <summary>User and item state (SQLite or PostgreSQL, group-committed).</summary>
    public const string Grains = "grains";

    /// <summary>Orleans' stream pub-sub state (implicit subscriptions keep none, but persistent streams ask for it).</summary>
    public const string PubSub = "PubSubStore";
}
