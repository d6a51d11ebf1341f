namespace Personalization.Runtime.Membership;

/// <summary>What a silo publishes about itself on <see cref="ClusterOptions.MembershipTopic"/>.</summary>
/// <param name="SiloId">The silo.</param>
/// <param name="GatewayEndpoint">Its public gateway address.</param>
/// <param name="SiloEndpoint">Its silo-to-silo (HTTP/2) address.</param>
/// <param name="Status"><c>active</c>, or <c>left</c> after a graceful stop.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="HeartbeatAt">When it published this record.</param>
/// <param name="OwnershipChangedAt">When its owned partitions last changed (newer claims win conflicts).</param>
/// <param name="Partitions">Owned partitions per topic.</param>
/// <param name="Activations">Live grain activations.</param>
/// <param name="Lag">Records behind the log end.</param>
/// <param name="Properties">Application figures (model version, ...).</param>
public sealed record SiloRecord(
    string SiloId,
    string GatewayEndpoint,
    string SiloEndpoint,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset HeartbeatAt,
    DateTimeOffset OwnershipChangedAt,
    Dictionary<string, int[]> Partitions,
    int Activations,
    long Lag,
    Dictionary<string, double> Properties)
{
    /// <summary>Status of a running silo.</summary>
    public const string Active = "active";

    /// <summary>Status published by a silo on a graceful stop.</summary>
    public const string Left = "left";
}

/// <summary>Adds application figures to this silo's membership record (e.g. the model version).</summary>
public interface ISiloPropertiesSource
{
    /// <summary>Adds properties.</summary>
    void Contribute(IDictionary<string, double> properties);
}
