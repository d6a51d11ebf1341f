namespace Personalization.Grains.Items;

/// <summary>Trending settings, bound from the <c>Trending</c> section.</summary>
public sealed class TrendingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Trending";

    /// <summary>Half-life of an engagement's weight in the popularity score.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromHours(1);
}
