namespace Personalization.Silo.Gateway;

/// <summary>Gateway limits, bound from the <c>Gateway</c> section.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway";

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>Most events in one <c>POST /v1/events</c>.</summary>
    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>Largest k for recommendations and similar items.</summary>
    public int MaxK { get; set; } = 200;

    /// <summary>Most rows on a page.</summary>
    public int MaxRows { get; set; } = 20;

    /// <summary>Most items per row.</summary>
    public int MaxPerRow { get; set; } = 50;
}
