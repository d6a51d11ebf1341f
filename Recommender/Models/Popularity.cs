using System.Diagnostics;

namespace Personalization.Recommender.Models;

/// <summary>
/// The popularity baseline: every user gets the same ranking, by the number of users holding a positive value on
/// each item. Any personalized model has to beat it to be worth serving.
/// </summary>
public sealed class PopularityTrainer : IModelTrainer
{
    /// <inheritdoc/>
    public string Name => PopularityModel.ModelName;

    /// <inheritdoc/>
    IRecommenderModel IModelTrainer.Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken) =>
        Fit(userItems, progress, cancellationToken);

    /// <summary>Counts, per item, the users with a positive value on it.</summary>
    /// <param name="userItems">Rows are users, columns items.</param>
    /// <param name="progress">Receives one report when the count is done.</param>
    /// <param name="cancellationToken">Checked before counting.</param>
    /// <returns>The trained model.</returns>
    /// <exception cref="OperationCanceledException">Training was cancelled.</exception>
    public PopularityModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        cancellationToken.ThrowIfCancellationRequested();
        long started = Stopwatch.GetTimestamp();

        // Each (user, item) pair is stored at most once, so counting positive entries counts users.
        var counts = new float[userItems.Columns];
        int nonZeros = userItems.NonZeros;
        for (int p = 0; p < nonZeros; p++)
        {
            if (userItems.Weights[p] > 0)
                counts[userItems.ColumnIndices[p]]++;
        }

        progress?.Report(new TrainingProgress(PopularityModel.ModelName, 1, 1, double.NaN, Stopwatch.GetElapsedTime(started)));
        return new PopularityModel(counts);
    }
}

/// <summary>Scores every item by its number of users with a positive value, whoever asks.</summary>
/// <remarks>Equal counts rank by item index in <see cref="TopK"/>; excluding a user's seen items is the caller's job.</remarks>
public sealed class PopularityModel : IRecommenderModel
{
    internal const string ModelName = "popularity";

    private readonly float[] _counts;

    internal PopularityModel(float[] counts)
    {
        _counts = counts;
    }

    /// <inheritdoc/>
    public string Name => ModelName;

    /// <inheritdoc/>
    public int Items => _counts.Length;

    /// <inheritdoc/>
    /// <remarks>Popularity has no hyper-parameters: the dictionary is empty.</remarks>
    public IReadOnlyDictionary<string, double> Parameters { get; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Users with a positive value, per item (exact in float32 up to 2²⁴ users).</summary>
    public ReadOnlySpan<float> Counts => _counts;

    /// <inheritdoc/>
    /// <remarks>The user's interactions are only validated: the ranking is the same for everyone.</remarks>
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        if (values.Length != items.Length)
            throw new ArgumentException($"{values.Length} values for {items.Length} items.", nameof(values));
        if (scores.Length != Items)
            throw new ArgumentException($"Scores need {Items} elements, got {scores.Length}.", nameof(scores));
        foreach (int item in items)
        {
            if ((uint)item >= (uint)Items)
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index must be in [0, {Items}).");
        }
        _counts.CopyTo(scores);
    }
}
