namespace Personalization.Runtime;

/// <summary>Why a grain is deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>It was idle longer than the configured idle timeout.</summary>
    Idle,
    /// <summary>The silo no longer owns the grain's partition.</summary>
    PartitionRevoked,
    /// <summary>The silo is shutting down.</summary>
    ShuttingDown,
    /// <summary>Its state write was rejected: another silo wrote newer state.</summary>
    StateConflict,
}

/// <summary>
/// Base class of grains. The runtime creates one instance per activation and runs its methods one at a time.
/// </summary>
public abstract class Grain
{
    private GrainActivationContext? _context;

    internal void Attach(GrainActivationContext context) => _context = context;

    private GrainActivationContext Context =>
        _context ?? throw new InvalidOperationException("The grain is not attached to an activation.");

    /// <summary>This grain's identity.</summary>
    protected GrainId GrainId => Context.GrainId;

    /// <summary>This grain's key.</summary>
    protected string GetPrimaryKeyString() => Context.GrainId.Key;

    /// <summary>The factory for calling other grains.</summary>
    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>Called after the state is loaded and before the first call.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Called before the activation goes away (its state is written afterwards if changed).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>What the runtime tells a grain about its activation.</summary>
/// <param name="GrainId">The grain's identity.</param>
/// <param name="GrainFactory">The factory for calling other grains.</param>
internal sealed record GrainActivationContext(GrainId GrainId, IGrainFactory GrainFactory);
