namespace Personalization.Trainer.Evaluation;

/// <summary>One model's offline evaluation, as printed and written to JSON.</summary>
/// <param name="Dataset">Where the data came from.</param>
/// <param name="Model">Model name.</param>
/// <param name="Protocol">holdout or users.</param>
/// <param name="Parameters">The model's hyper-parameters.</param>
/// <param name="TestFraction">Held-out share (of each user's entries, or of users).</param>
/// <param name="Seed">Seed of the split.</param>
/// <param name="K">Cut-off of the ranking metrics.</param>
/// <param name="Metrics">recall@K, ndcg@K, precision@K, map@K, coverage@K, ild@K, novelty@K, users, and rmse for explicit models.</param>
/// <param name="TrainSeconds">Training time on the training part.</param>
/// <param name="EvaluateSeconds">Time to rank the catalog for every evaluated user.</param>
public sealed record EvaluationReport(
    string Dataset, string Model, string Protocol, IReadOnlyDictionary<string, double> Parameters, double TestFraction, int Seed, int K,
    IReadOnlyDictionary<string, double> Metrics, double TrainSeconds, double EvaluateSeconds)
{
    /// <summary>
    /// The re-ranking settings the lists were formed with: diversity, popularity-penalty, exploration, candidate-pool,
    /// exploration-scale (all controls 0 for plain top-K).
    /// </summary>
    public IReadOnlyDictionary<string, double> Ranking { get; init; } = new Dictionary<string, double>();

    /// <summary>Where the item vectors of MMR and ILD came from.</summary>
    public string ItemVectors { get; init; } = "";
}
