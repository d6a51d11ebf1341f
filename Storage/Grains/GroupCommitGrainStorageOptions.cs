using System.Text.Json;

namespace Personalization.Storage.Grains;

/// <summary>Settings of <see cref="GroupCommitGrainStorage"/>.</summary>
public sealed class GroupCommitGrainStorageOptions
{
    /// <summary>Most grain writes committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// Transactions in flight at once. One commit waits for the database's round trips and its log flush; while it does,
    /// the next group forms and commits beside it.
    /// </summary>
    public int Writers { get; set; } = 4;

    /// <summary>
    /// How state is serialized (System.Text.Json, so stored rows stay readable). Grain assemblies add their
    /// source-generated contexts to its resolver chain.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.General);
}
