using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Recommender;

namespace Personalization.Grains.Serving;

/// <summary>Default <see cref="IServingModelProvider"/>: a volatile reference swapped under a lock.</summary>
public sealed class ServingModelProvider(ItemCatalog catalog, IOptions<ServingOptions> options, TimeProvider time, ILogger<ServingModelProvider> logger)
    : IServingModelProvider
{
    private readonly Lock _swap = new();
    private volatile ServingModel? _current;

    /// <inheritdoc />
    public ServingModel? Current => _current;

    /// <inheritdoc />
    public ItemCatalog Catalog => catalog;

    /// <inheritdoc />
    public void Swap(FactorModel model)
    {
        lock (_swap)
        {
            if (_current is { } current && current.Version >= model.Version) return;
            _current = new ServingModel(model, catalog.Items, options.Value, time.GetUtcNow());
        }
        logger.LogInformation("Serving model v{Version}: {Items} items, {Factors} factors, trained {TrainedAt:u}",
            model.Version, model.ItemIds.Length, model.Factors, model.TrainedAt);
    }

    /// <inheritdoc />
    public void RefreshCatalog()
    {
        lock (_swap)
        {
            if (_current is { } current) _current = new ServingModel(current.Model, catalog.Items, options.Value, time.GetUtcNow(), current);
        }
    }
}
