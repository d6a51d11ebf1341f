using Personalization.Contracts;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// A history that its loader can hand over with the ids already numbered: the fast path from a file into the training
/// matrices, with no record and no string per row. <see cref="Dataset.Interactions"/> stays the general path (import,
/// and every source without this one); both give the same events in the same order.
/// </summary>
public interface IResolvedHistory
{
    /// <summary>Reads the history from its files again, row by row, into <paramref name="sink"/>.</summary>
    /// <exception cref="DatasetFormatException">A bad line, when it is reached.</exception>
    void ReadInto(IInteractionSink sink, CancellationToken cancellationToken = default);
}

/// <summary>Receives the rows of an <see cref="IResolvedHistory"/>.</summary>
public interface IInteractionSink
{
    /// <summary>Called once before the rows: the id lists that the rows' numbers index. They grow as rows are read.</summary>
    /// <param name="userIds">Users by number.</param>
    /// <param name="itemIds">Items by number.</param>
    /// <param name="expectedRows">About how many rows will come (from the file's size), to size buffers once; 0 when unknown.</param>
    void Begin(IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, long expectedRows);

    /// <summary>One event: user and item by their numbers in the lists given to <see cref="Begin"/>.</summary>
    void Add(int user, int item, InteractionType type, float? value, long unixSeconds);
}
