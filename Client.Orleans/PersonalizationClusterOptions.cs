namespace Personalization.Client.Orleans;

/// <summary>How a service's Orleans client finds the personalization cluster.</summary>
public sealed class PersonalizationClusterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Personalization";

    /// <summary>The cluster's id (the silos' <c>Cluster:ClusterId</c>).</summary>
    public string ClusterId { get; set; } = "personalization";

    /// <summary>The service's id (the silos' <c>Cluster:ServiceId</c>).</summary>
    public string ServiceId { get; set; } = "personalization";

    /// <summary>The cluster's Redis membership store (<c>host:port</c>); empty: a silo's gateway on localhost.</summary>
    public string? Redis { get; set; }

    /// <summary>The localhost gateway port when <see cref="Redis"/> is empty (the embedded silo's <c>Cluster:GatewayPort</c>).</summary>
    public int GatewayPort { get; set; } = 30000;
}
