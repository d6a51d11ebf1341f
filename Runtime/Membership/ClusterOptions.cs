namespace Personalization.Runtime.Membership;

/// <summary>Cluster membership settings, bound from the <c>Cluster</c> section.</summary>
public sealed class ClusterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Cluster";

    /// <summary>Topic where silos publish who they are and what they own (one partition).</summary>
    public const string MembershipTopic = "cluster-members";

    /// <summary>This silo's id; generated when empty.</summary>
    public string? SiloId { get; set; }

    /// <summary>The silo-to-silo endpoint (HTTP/2 only, cleartext with prior knowledge).</summary>
    public string SiloUrl { get; set; } = "http://127.0.0.1:0";

    /// <summary>How often a silo re-publishes its record.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A silo not heard from for this long is taken as dead and its claims ignored.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(7);
}
