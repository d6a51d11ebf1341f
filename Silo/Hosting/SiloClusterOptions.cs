namespace Personalization.Silo.Hosting;

/// <summary>How the silo joins its Orleans cluster, bound from the <c>Cluster</c> configuration section.</summary>
public sealed class SiloClusterOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Cluster";

    /// <summary>This silo's name (default: host name and process id).</summary>
    public string? SiloId { get; set; }

    /// <summary>The cluster's id: silos with the same id and membership store form one cluster.</summary>
    public string ClusterId { get; set; } = "personalization";

    /// <summary>The service's id (stable across deployments; part of stream and storage identities).</summary>
    public string ServiceId { get; set; } = "personalization";

    /// <summary>Redis membership store (<c>host:port</c>); empty: localhost clustering, one silo, no store.</summary>
    public string? Redis { get; set; }

    /// <summary>Silo-to-silo port (0: a free port).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port (0: a free port).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at.</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>How long a membership probe may take; with <see cref="MissedProbesLimit"/> it bounds failure detection.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Missed probes before a silo suspects another.</summary>
    public int MissedProbesLimit { get; set; } = 2;

    /// <summary>
    /// How long the grain directory keeps a crashed silo's grains from activating elsewhere, in case it still runs
    /// (Orleans' <c>GrainDirectoryOptions.RangeLeaseDuration</c>). Zero (the default) lets them activate as soon as the
    /// silo is declared dead: a silo that still ran would find its state writes rejected by their version check, so the
    /// lease would buy no safety here, and it held a third of the users unanswerable for 15 s after a kill.
    /// </summary>
    public TimeSpan DirectoryLease { get; set; } = TimeSpan.Zero;

    /// <summary>Serve Orleans' dashboard at <c>/dashboard/orleans</c> (default on; it profiles every grain call).</summary>
    public bool OrleansDashboard { get; set; } = true;

    /// <summary>Longest wait for a grain call's answer: bounds a call in flight to a silo that died.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
