using System.Runtime;

namespace Personalization.Recommender.Torch;

/// <summary>
/// Keeps garbage collections away from libtorch calls during training. TorchSharp turns constants into Scalar objects
/// inside its own calls (pow, Adam's updates) and passes their native handles on without keeping the objects alive; a
/// collection triggered meanwhile lets the finalizer free a Scalar that libtorch is reading ("Unknown scalar type"
/// mid-training, in about half the Mult-VAE runs on ml-latest-small). Trainers collect only between epochs, with
/// nothing in flight, and reuse their per-step buffers so an epoch stays within the budget.
/// </summary>
internal static class NativeCallGuard
{
    /// <summary>Managed bytes an epoch may allocate before the runtime leaves the no-collection region.</summary>
    private const long EpochAllocationBudget = 64L << 20;

    /// <summary>Collects now, runs the finalizers, and holds off collections until the next call or <see cref="End"/>.</summary>
    public static void BeginEpoch()
    {
        End();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        try
        {
            GC.TryStartNoGCRegion(EpochAllocationBudget);
        }
        catch (InvalidOperationException)
        {
            // Another trainer in this process holds the region: its epoch's collection comes first.
        }
    }

    /// <summary>Lets collections run again.</summary>
    public static void End()
    {
        try
        {
            if (GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
        catch (InvalidOperationException)
        {
            // The runtime left the region already: the epoch allocated more than its budget.
        }
    }
}
