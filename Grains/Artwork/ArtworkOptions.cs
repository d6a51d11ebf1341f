namespace Personalization.Grains.Artwork;

/// <summary>The artwork bandit's settings, bound from <c>Artwork</c>.</summary>
public sealed class ArtworkOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Artwork";

    /// <summary>LinUCB's exploration weight α: score = θᵀx + α·√(xᵀA⁻¹x). 0 is greedy.</summary>
    public double Alpha { get; set; } = 0.5;

    /// <summary>Ridge λ of each arm's statistics (the prior's strength).</summary>
    public double Regularization { get; set; } = 1.0;

    /// <summary>How often changed policies are shared with the other silos.</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromSeconds(1);
}
