namespace Personalization.Recommender;

/// <summary>
/// Top-K retrieval of items by dot product with exact float32 scores for what it returns: the flat int8 scan
/// (<see cref="QuantizedItemIndex"/>) or the inverted file over it (<see cref="IvfItemIndex"/>).
/// </summary>
public interface IItemIndex
{
    /// <summary>Number of items (rows).</summary>
    int ItemCount { get; }

    /// <summary>Number of factors k per item.</summary>
    int Factors { get; }

    /// <summary>Bytes of codes the index keeps.</summary>
    long SizeInBytes { get; }

    /// <summary>
    /// Writes up to indices.Length of the best items for <paramref name="user"/> (highest user·item first, ties to the
    /// lower row), with their exact float32 scores, skipping <paramref name="excludedRows"/>.
    /// </summary>
    /// <param name="user">User vector of <see cref="Factors"/> finite floats.</param>
    /// <param name="indices">Receives item rows; its length is K.</param>
    /// <param name="scores">Receives their exact scores; at least K long.</param>
    /// <param name="excludedRows">Rows never returned, sorted ascending, duplicates allowed.</param>
    /// <param name="candidates">Approximate candidates to re-score; 0 means the index's default for K.</param>
    /// <returns>How many were written.</returns>
    int Search(ReadOnlySpan<float> user, Span<int> indices, Span<float> scores, ReadOnlySpan<int> excludedRows = default, int candidates = 0);

    /// <summary>Re-quantizes one item after its factors changed in place (a live item vector).</summary>
    /// <param name="item">The item's row.</param>
    void Update(int item);
}
