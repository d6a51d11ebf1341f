namespace Personalization.Recommender.Models;

/// <summary>Learns an <see cref="IRecommenderModel"/> from a user × item matrix.</summary>
public interface IModelTrainer
{
    /// <summary>Short model name, the same as the trained model's <see cref="IRecommenderModel.Name"/>.</summary>
    string Name { get; }

    /// <summary>Trains on every stored entry of <paramref name="userItems"/>.</summary>
    /// <param name="userItems">Rows are users, columns items; values are signed signal weights, or ratings for explicit models.</param>
    /// <param name="progress">Receives a report after every step (iteration, epoch or block) of long work.</param>
    /// <param name="cancellationToken">Stops training between steps.</param>
    /// <returns>The trained model.</returns>
    IRecommenderModel Fit(InteractionMatrix userItems, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default);
}
