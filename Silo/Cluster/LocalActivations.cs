namespace Personalization.Silo.Cluster;

/// <summary>This silo's live grain activations, as Orleans' statistics last reported them (refreshed each second).</summary>
public sealed class LocalActivations
{
    private volatile int _count;

    /// <summary>The latest count.</summary>
    public int Count => _count;

    internal void Set(int count) => _count = count;
}
