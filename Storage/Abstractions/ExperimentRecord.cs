namespace Personalization.Storage;

/// <summary>A stored experiment definition.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Epoch">Assignment epoch: starts at 1 and grows only when a change asks to reassign users.
/// Exposures of older epochs no longer count.</param>
/// <param name="Definition">The definition as JSON (variants, shares, settings); the store does not interpret it.</param>
/// <param name="CreatedAt">When the experiment was first defined.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record ExperimentRecord(string Id, int Epoch, string Definition, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A user's first exposure to an experiment in one epoch: the variant they were assigned, kept for the whole epoch.</summary>
/// <param name="ExperimentId">The experiment.</param>
/// <param name="Epoch">The assignment epoch.</param>
/// <param name="UserId">The user.</param>
/// <param name="Variant">The variant name the user was assigned.</param>
/// <param name="At">When the user first got a response shaped by the experiment.</param>
public sealed record ExposureRecord(string ExperimentId, int Epoch, string UserId, string Variant, DateTimeOffset At);
