using Personalization.Recommender;

namespace Personalization.Storage;

/// <summary>What the registry knows of a published model without loading its factors.</summary>
/// <param name="Version">Model version (increasing).</param>
/// <param name="TrainedAt">When training finished.</param>
/// <param name="DataCutoff">Newest interaction the model saw.</param>
/// <param name="Metrics">Evaluation metrics and training figures.</param>
public sealed record ModelInfo(long Version, DateTimeOffset TrainedAt, DateTimeOffset DataCutoff, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The model registry: versioned model artifacts.</summary>
public interface IModelStore
{
    /// <summary>The version the next published model should carry.</summary>
    Task<long> NextVersionAsync(CancellationToken cancellationToken);

    /// <summary>Stores a model under its version (which must be new).</summary>
    Task PublishAsync(FactorModel model, CancellationToken cancellationToken);

    /// <summary>Loads one version, or null when it does not exist.</summary>
    Task<FactorModel?> LoadAsync(long version, CancellationToken cancellationToken);

    /// <summary>Loads the newest version, or null when none was published.</summary>
    Task<FactorModel?> LoadLatestAsync(CancellationToken cancellationToken);

    /// <summary>The published models, newest first.</summary>
    Task<IReadOnlyList<ModelInfo>> ListAsync(CancellationToken cancellationToken);
}
