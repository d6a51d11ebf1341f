using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>A catalog and an interaction history to start a system from.</summary>
/// <param name="Name">Where it came from.</param>
/// <param name="Items">The catalog.</param>
/// <param name="Interactions">
/// The history (source keys prefixed <c>import:</c>), streamed: each enumeration reads the files again, so a history
/// of tens of millions of rows is never held whole. Bad lines throw <see cref="DatasetFormatException"/> when reached.
/// </param>
public sealed record Dataset(string Name, IReadOnlyList<CatalogItem> Items, IEnumerable<InteractionRecord> Interactions)
{
    /// <summary>
    /// The same history with its ids already numbered, where the loader offers it (MovieLens): what training reads,
    /// several times faster than <see cref="Interactions"/>. Null where only records are offered.
    /// </summary>
    public IResolvedHistory? Resolved { get; init; }
}

/// <summary>A data file that cannot be read: names the file, the line and, where known, the column.</summary>
public sealed class DatasetFormatException(string file, long line, string message, int column = 0)
    : Exception(column > 0 ? $"{file}:{line}:{column}: {message}" : $"{file}:{line}: {message}")
{
    /// <summary>The file.</summary>
    public string File { get; } = file;

    /// <summary>1-based line number.</summary>
    public long Line { get; } = line;

    /// <summary>1-based column (character) where the bad field starts; 0 when the whole line is at fault.</summary>
    public int Column { get; } = column;
}
