namespace Personalization.Recommender.Models;

/// <summary>
/// A trained model that scores every item for a user described only by that user's interactions. Scoring from the
/// interactions (rather than a stored user row) is what lets the same code rank for training users, held-out users
/// in offline evaluation, and live users on the nearline path.
/// </summary>
/// <remarks>Implementations are immutable after training and safe to call from many threads at once.</remarks>
public interface IRecommenderModel
{
    /// <summary>Short model name as used on the command line: <c>als</c>, <c>ease</c>, <c>mf</c>, <c>popularity</c>.</summary>
    string Name { get; }

    /// <summary>Number of items (columns of the training matrix); the length of every score vector.</summary>
    int Items { get; }

    /// <summary>Hyper-parameters the model was trained with, by name, for the registry and reports.</summary>
    IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>Writes a score for every item, higher is better, given one user's interactions.</summary>
    /// <param name="items">Item indices the user interacted with, ascending, each once.</param>
    /// <param name="values">The value per entry of <paramref name="items"/>, in the units of the matrix the model was
    /// trained on (signed signal weights for implicit models, ratings for <c>mf</c>).</param>
    /// <param name="scores">Receives <see cref="Items"/> scores.</param>
    void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores);
}
