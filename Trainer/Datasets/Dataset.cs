using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>A catalog and an interaction history to start a system from.</summary>
/// <param name="Name">Where it came from.</param>
/// <param name="Items">The catalog.</param>
/// <param name="Interactions">The history (source keys prefixed <c>import:</c>).</param>
public sealed record Dataset(string Name, IReadOnlyList<CatalogItem> Items, IReadOnlyList<InteractionRecord> Interactions);

/// <summary>A data file that cannot be read: names the file and the line.</summary>
public sealed class DatasetFormatException(string file, long line, string message)
    : Exception($"{file}:{line}: {message}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line number.</summary>
    public long Line { get; } = line;
}
