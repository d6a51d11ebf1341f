using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Grains.Serving;

/// <summary>Holds the current <see cref="ServingModel"/> and swaps it atomically.</summary>
public interface IServingModelProvider
{
    /// <summary>The model being served, or null before the first one loaded.</summary>
    ServingModel? Current { get; }

    /// <summary>
    /// Serves <paramref name="model"/> from now on (requests in progress finish on the old one) if it is newer than the
    /// current one; either way it becomes the served model of its family (<see cref="ServingModel.FamilyOf"/>) if it is
    /// the newest of that family, for experiment variants that name the family.
    /// </summary>
    void Swap(FactorModel model);

    /// <summary>The newest served model of a family (<c>als</c>, <c>multvae</c>), or null when none is loaded.</summary>
    ServingModel? Of(string family);

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
