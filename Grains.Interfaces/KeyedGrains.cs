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
    private (GrainType Type, GrainInterfaceType Interface)? _resolved;

    /// <summary>The grain of <paramref name="key"/>.</summary>
    public TGrainInterface Get(string key)
    {
        var (type, @interface) = _resolved ??= Resolve();
        return (TGrainInterface)grains.GetGrain(GrainId.Create(type, key), @interface);
    }

    private (GrainType, GrainInterfaceType) Resolve()
    {
        var probe = (GrainReference)(object)grains.GetGrain<TGrainInterface>("resolve");
        return (probe.GrainId.Type, probe.InterfaceType);
    }
}
