using Personalization.Recommender;

namespace Personalization.Trainer.Training;

/// <summary>What one training run produced and whether the registry took it.</summary>
/// <param name="Model">The candidate (published or not).</param>
/// <param name="Published">True when it became the newest version in the registry.</param>
/// <param name="Reason">Why it was or was not published, for logs and the admin API.</param>
/// <param name="Baseline">The version the candidate was compared with, when there was one.</param>
public sealed record TrainingOutcome(FactorModel Model, bool Published, string Reason, long? Baseline);
