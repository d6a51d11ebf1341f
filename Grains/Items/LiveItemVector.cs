namespace Personalization.Grains.Items;

/// <summary>An item's vector re-solved by its grain from the users who interacted with it since the model was trained.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="ModelVersion">The model whose factor space it is in; the next model replaces it.</param>
/// <param name="Vector">k factors.</param>
/// <param name="Interactions">Interactions folded in since the model (orders the versions of one item's vector).</param>
/// <param name="UpdatedAtMs">Unix ms of the solve.</param>
public sealed record LiveItemVector(string ItemId, long ModelVersion, float[] Vector, int Interactions, long UpdatedAtMs)
{
    /// <summary>Whether <paramref name="other"/> is a later solve of the same item in the same model (more interactions folded in).</summary>
    public bool IsOlderThan(LiveItemVector other) =>
        other is not null && ModelVersion == other.ModelVersion && Interactions < other.Interactions;
}
