namespace Personalization.Recommender.Models;

/// <summary>Progress of long training work, for progress bars and logs.</summary>
/// <param name="Model">Model name.</param>
/// <param name="Step">Steps completed so far (one-based after the first).</param>
/// <param name="Steps">Total steps.</param>
/// <param name="Loss">Training objective after the step, or <see cref="double.NaN"/> when not computed.</param>
/// <param name="Elapsed">Wall time of this step.</param>
public readonly record struct TrainingProgress(string Model, int Step, int Steps, double Loss, TimeSpan Elapsed);
