using Personalization.Contracts;

namespace Personalization.Grains.Cluster;

/// <summary>This silo's copy of every silo's latest report (refreshed by the silo's reporter each second).</summary>
public sealed class ClusterReports
{
    private volatile IReadOnlyList<SiloReport> _reports = [];

    /// <summary>This silo's address, once known.</summary>
    public string? Self { get; set; }

    /// <summary>The latest reports.</summary>
    public IReadOnlyList<SiloReport> All => _reports;

    /// <summary>Replaces the reports.</summary>
    public void Update(IReadOnlyList<SiloReport> reports) => _reports = reports;
}
