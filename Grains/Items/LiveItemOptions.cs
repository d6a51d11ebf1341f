namespace Personalization.Grains.Items;

/// <summary>Live item vectors and recent interactions of the item grains, bound from the <c>LiveItems</c> section.</summary>
public sealed class LiveItemOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "LiveItems";

    /// <summary>Whether item grains re-solve their vector from their viewers' live vectors (on by default).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Recent interactions an item grain keeps (who, how, when), newest last.</summary>
    public int MaxRecent { get; set; } = 200;

    /// <summary>
    /// Users whose live vectors an item's vector is solved from: the most recent ones. Bounds the state (k floats per
    /// user) and the cost of a solve, O(users·k² + k³/3), which runs once per delivery of events.
    /// </summary>
    public int MaxUsers { get; set; } = 128;

    /// <summary>How often a silo shares the item vectors its grains changed with the other silos.</summary>
    public TimeSpan PublishInterval { get; set; } = TimeSpan.FromMilliseconds(250);
}
