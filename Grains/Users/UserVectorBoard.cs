using System.Collections.Concurrent;

namespace Personalization.Grains.Users;

/// <summary>
/// The live vectors of the user grains active on this silo, as of their last fold-in: what an item's re-keyed event
/// carries to the item grain, so the item side of the ALS step needs no call to the user's grain on the event path.
/// </summary>
/// <remarks>
/// The interactions tap that re-keys events runs where the user's partition is read, which is where the user's grain
/// lives (placed by its partition), so the vector is local. A grain removes its entry when it deactivates, so the board
/// is bounded by the activations. The vector may be one event behind the event it travels with, as in alternating ALS.
/// </remarks>
public sealed class UserVectorBoard
{
    private readonly ConcurrentDictionary<string, UserVector> _vectors = new(StringComparer.Ordinal);

    /// <summary>Users with a vector here.</summary>
    public int Count => _vectors.Count;

    /// <summary>Records a user's vector for a model version (the array is not copied: a grain hands over a fresh one).</summary>
    public void Report(string userId, long modelVersion, float[] vector) => _vectors[userId] = new UserVector(modelVersion, vector);

    /// <summary>Forgets a user (its grain deactivated).</summary>
    public void Remove(string userId) => _vectors.TryRemove(userId, out _);

    /// <summary>The user's vector, or null.</summary>
    public UserVector? Find(string userId) => _vectors.TryGetValue(userId, out var vector) ? vector : null;
}

/// <summary>A user's live vector and the model version whose factor space it is in.</summary>
/// <param name="ModelVersion">The model it was folded in against.</param>
/// <param name="Vector">k floats; never changed after it is reported.</param>
public sealed record UserVector(long ModelVersion, float[] Vector);
