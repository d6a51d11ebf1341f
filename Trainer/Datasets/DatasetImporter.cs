using Microsoft.Extensions.Logging;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>Writes a data set's catalog and history into the stores (first start of a system).</summary>
public static class DatasetImporter
{
    /// <summary>Imports in batches, logging progress.</summary>
    public static async Task ImportAsync(Dataset dataset, ICatalogStore catalog, IInteractionHistory history, ILogger logger, CancellationToken cancellationToken)
    {
        await catalog.UpsertAsync(dataset.Items, cancellationToken);
        const int batch = 50_000;
        for (var start = 0; start < dataset.Interactions.Count; start += batch)
        {
            var slice = dataset.Interactions.Skip(start).Take(batch).ToList();
            await history.AppendAsync(slice, cancellationToken);
            logger.LogInformation("Imported {Done}/{Total} interactions of {Dataset}", start + slice.Count, dataset.Interactions.Count, dataset.Name);
        }
    }
}
