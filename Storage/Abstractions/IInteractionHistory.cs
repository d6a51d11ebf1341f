namespace Personalization.Storage;

/// <summary>The interaction history: everything users did, for training and for first activations.</summary>
public interface IInteractionHistory
{
    /// <summary>Appends records; a record whose source key is already stored is ignored.</summary>
    Task AppendAsync(IReadOnlyList<InteractionRecord> records, CancellationToken cancellationToken);

    /// <summary>A user's most recent records (oldest first), optionally only imported ones.</summary>
    Task<IReadOnlyList<InteractionRecord>> ReadUserAsync(string userId, bool importedOnly, int limit, CancellationToken cancellationToken);

    /// <summary>Every record, in insertion order.</summary>
    IAsyncEnumerable<InteractionRecord> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Number of stored records.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);
}
