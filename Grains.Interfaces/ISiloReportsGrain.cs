using Personalization.Contracts;

namespace Personalization.Grains;

/// <summary>
/// The cluster's notice board (one activation, key 0): each silo posts its <see cref="SiloReport"/> and reads
/// everyone's. Kept in memory: after a failover every live silo re-posts within a second.
/// </summary>
[Alias("silo-reports")]
public interface ISiloReportsGrain : Orleans.IGrainWithIntegerKey
{
    /// <summary>Posts a silo's report and returns the latest report of every silo.</summary>
    Task<IReadOnlyList<SiloReport>> ExchangeAsync(SiloReport report);
}
