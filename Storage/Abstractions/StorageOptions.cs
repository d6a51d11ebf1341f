namespace Personalization.Storage;

/// <summary>Storage settings, bound from the <c>Storage</c> configuration section.</summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Storage";

    /// <summary>Folder of the embedded SQLite database.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>PostgreSQL connection string; when set, PostgreSQL is the store (the cluster store) instead of SQLite.</summary>
    public string? Postgres { get; set; }

    /// <summary>Which store these options select, for logs.</summary>
    public string Describe() => string.IsNullOrWhiteSpace(Postgres) ? $"SQLite in {Path.GetFullPath(DataDir)}" : "PostgreSQL";
}
