namespace Personalization.Storage;

/// <summary>Experiment definitions and the exposure log (who saw which variant, from when).</summary>
public interface IExperimentStore
{
    /// <summary>
    /// Creates or replaces an experiment's definition. A new experiment starts at epoch 1; a change keeps the epoch
    /// (users keep their variants) unless <paramref name="reassign"/> is true, which starts the next epoch.
    /// </summary>
    /// <returns>The stored record.</returns>
    Task<ExperimentRecord> UpsertAsync(string id, string definition, bool reassign, CancellationToken cancellationToken);

    /// <summary>One experiment, or null.</summary>
    Task<ExperimentRecord?> FindAsync(string id, CancellationToken cancellationToken);

    /// <summary>All experiments, by id.</summary>
    Task<IReadOnlyList<ExperimentRecord>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Logs a first exposure. The first exposure of a (experiment, epoch, user) wins: when one is already stored, it
    /// is returned unchanged, so concurrent or repeated calls agree on one variant.
    /// </summary>
    /// <returns>The stored exposure (this one, or the earlier one).</returns>
    Task<ExposureRecord> LogExposureAsync(ExposureRecord exposure, CancellationToken cancellationToken);

    /// <summary>Every exposure of one epoch of an experiment, in the order they were logged.</summary>
    Task<IReadOnlyList<ExposureRecord>> ReadExposuresAsync(string experimentId, int epoch, CancellationToken cancellationToken);
}
