namespace Personalization.Storage;

/// <summary>Storage settings, bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Storage";

    /// <summary>Folder of the embedded SQLite database.</summary>
    public string DataDir { get; set; } = "data";
}
