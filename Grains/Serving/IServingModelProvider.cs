using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>Holds the current <see cref="ServingModel"/> and swaps it atomically.</summary>
public interface IServingModelProvider
{
    /// <summary>The model being served, or null before the first one loaded.</summary>
    ServingModel? Current { get; }

    /// <summary>Serves <paramref name="model"/> from now on (requests in progress finish on the old one).</summary>
    void Swap(FactorModel model);

    /// <summary>Rebuilds the index after catalog changes (same factors, new titles and genres).</summary>
    void RefreshCatalog();

    /// <summary>The live catalog (titles, genres) including items not in the model yet.</summary>
    ItemCatalog Catalog { get; }

    /// <summary>
    /// Serves an item's live vector over its trained or content one (<see cref="ServingModel.SetLive"/>) until the next
    /// model. Ignored when it belongs to another model version, or when a vector with more interactions is held.
    /// </summary>
    void ApplyLive(Items.LiveItemVector live);
}
