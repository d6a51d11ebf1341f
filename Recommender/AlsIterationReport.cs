namespace Personalization.Recommender;

/// <summary>Progress of one completed ALS iteration.</summary>
/// <param name="Iteration">One-based iteration number.</param>
/// <param name="Loss">Training objective after the iteration, or <see cref="double.NaN"/> when loss computation is off.</param>
/// <param name="Elapsed">Wall time of the iteration (both half-steps, excluding the loss).</param>
public readonly record struct AlsIterationReport(int Iteration, double Loss, TimeSpan Elapsed);
