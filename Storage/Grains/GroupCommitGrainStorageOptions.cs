using System.Text.Json;

namespace Personalization.Storage.Grains;

/// <summary>Settings of <see cref="GroupCommitGrainStorage"/>.</summary>
public sealed class GroupCommitGrainStorageOptions
{
    /// <summary>Most grain writes committed in one transaction.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>
    /// How state is serialized (System.Text.Json, so stored rows stay readable). Grain assemblies add their
    /// source-generated contexts to its resolver chain.
    /// </summary>
    public JsonSerializerOptions SerializerOptions { get; set; } = new(JsonSerializerDefaults.General);
}
