namespace Personalization.Recommender.Evaluation;

/// <summary>The ranking metrics of one user's top-K list, as computed by <see cref="RankingMetrics.Compute"/>.</summary>
/// <param name="Hits">Relevant items among the first K of the ranking.</param>
/// <param name="Recall">Hits / min(K, |relevant|), in [0, 1].</param>
/// <param name="Precision">Hits / K, in [0, 1].</param>
/// <param name="Ndcg">Binary-gain DCG@K divided by the ideal DCG@K, in [0, 1].</param>
/// <param name="AveragePrecision">Σ over hit ranks r ≤ K of precision@r, divided by min(K, |relevant|), in [0, 1].</param>
public readonly record struct RankingScores(int Hits, double Recall, double Precision, double Ndcg, double AveragePrecision);
