namespace Personalization.Grains.Serving;

/// <summary>Settings of the serving index and the home page, bound from the <c>Serving</c> section.</summary>
public sealed class ServingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Serving";

    /// <summary>Items added to the catalog within this window are "new" (the New for you row).</summary>
    public TimeSpan NewItemWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>At most this many of the newest items are candidates for New for you.</summary>
    public int MaxNewItems { get; set; } = 500;
}
