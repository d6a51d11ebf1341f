using Personalization.Contracts;

namespace Personalization.Grains.Cluster;

/// <summary>Holds the latest report of each silo.</summary>
public sealed class SiloReportsGrain : Grain, ISiloReportsGrain
{
    private readonly Dictionary<string, SiloReport> _reports = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<IReadOnlyList<SiloReport>> ExchangeAsync(SiloReport report)
    {
        _reports[report.SiloAddress] = report;
        return Task.FromResult<IReadOnlyList<SiloReport>>([.. _reports.Values]);
    }
}
