using Orleans.Runtime;

namespace Personalization.Grains;

/// <summary>
/// References to the grains of one string-keyed interface. <see cref="IGrainFactory.GetGrain{TGrainInterface}(string, string?)"/>
/// resolves the interface's grain type on every call, through attribute reflection and type-name formatting: a
/// tenth of the gateway's allocations per recommendations request. This resolves it once, on first use (a cluster
/// client learns the grain types from the cluster when it connects), and then only builds the grain id.
/// </summary>
/// <typeparam name="TGrainInterface">The grain interface.</typeparam>
/// <param name="grains">The silo's or client's grain factory.</param>
public sealed class KeyedGrains<TGrainInterface>(IGrainFactory grains) where TGrainInterface : IGrainWithStringKey
{
    // A reference, published whole: a nullable tuple of two structs here was written in several stores, and a request
    // racing the first one read it half written, with the interface type still default, and got an untyped reference
    // that did not cast to the interface (a 500 seen while a load run warmed up).
    private Resolved? _resolved;

    /// <summary>The grain of <paramref name="key"/>.</summary>
    public TGrainInterface Get(string key)
    {
        var resolved = Volatile.Read(ref _resolved);
        if (resolved is null)
        {
            resolved = Resolve();
            Volatile.Write(ref _resolved, resolved);
        }
        return (TGrainInterface)grains.GetGrain(GrainId.Create(resolved.Type, key), resolved.Interface);
    }

    private Resolved Resolve()
    {
        var probe = (GrainReference)(object)grains.GetGrain<TGrainInterface>("resolve");
        return new Resolved(probe.GrainId.Type, probe.InterfaceType);
    }

    private sealed record Resolved(GrainType Type, GrainInterfaceType Interface);
}
