namespace Personalization.Recommender.Evaluation;

/// <summary>Progress of an evaluation run, for progress bars and logs.</summary>
/// <param name="Done">Users evaluated so far.</param>
/// <param name="Total">Users to evaluate in all.</param>
public readonly record struct EvaluationProgress(int Done, int Total);
