using Microsoft.Extensions.Logging;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>Writes a data set's catalog and history into the stores (first start of a system).</summary>
public static class DatasetImporter
{
    /// <summary>Checks the whole history, then imports it in batches as it streams in, logging progress; returns the interactions written.</summary>
    public static async Task<long> ImportAsync(Dataset dataset, ICatalogStore catalog, IInteractionHistory history, ILogger logger, CancellationToken cancellationToken)
    {
        // Bad input changes nothing: the whole history is read (and checked) once before anything is written, which
        // costs a second parse but keeps memory bounded, where holding it all would not.
        long rows = 0;
        foreach (var _ in dataset.Interactions)
            if (++rows % 1_000_000 == 0) cancellationToken.ThrowIfCancellationRequested();
        logger.LogInformation("Checked {Rows} interactions of {Dataset}", rows, dataset.Name);
        await catalog.UpsertAsync(dataset.Items, cancellationToken);
        const int batch = 50_000;
        long done = 0;
        foreach (var slice in dataset.Interactions.Chunk(batch))
        {
            await history.AppendAsync(slice, cancellationToken);
            done += slice.Length;
            logger.LogInformation("Imported {Done} interactions of {Dataset}", done, dataset.Name);
        }
        return done;
    }
}
