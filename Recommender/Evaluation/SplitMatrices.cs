namespace Personalization.Recommender.Evaluation;

/// <summary>
/// The three matrices an <see cref="EvaluationSplit"/> yields, each with the full rows and columns of the original
/// matrix; a user without entries in a part has an empty row there.
/// </summary>
/// <param name="Train">What the model is fitted on.</param>
/// <param name="FoldIn">What each evaluated user is scored from (the same instance as <paramref name="Train"/> under
/// <see cref="SplitProtocol.Holdout"/>).</param>
/// <param name="Test">The hidden entries the ranking is judged against.</param>
public sealed record SplitMatrices(InteractionMatrix Train, InteractionMatrix FoldIn, InteractionMatrix Test);
