namespace Personalization.Runtime.Hosting;

/// <summary>Grain runtime settings, bound from the <c>Grains</c> configuration section.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Grains";

    /// <summary>An activation idle this long is deactivated (its state written first).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan IdleCheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}
