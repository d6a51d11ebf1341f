using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Personalization.Storage;
using Personalization.Trainer.Datasets;

namespace Personalization.Trainer.Cli;

/// <summary><c>import</c>: write a data set's catalog and history into a store.</summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var dataDir = CliOptions.DataDir();
        var postgres = CliOptions.Postgres();
        var dataset = new DatasetOptions(required: false);
        var command = new Command("import", "Import a data set's catalog and history into the store.") { dataDir, postgres };
        dataset.AddTo(command);
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            using var services = Program.Services(new StorageOptions { DataDir = result.GetValue(dataDir)!, Postgres = result.GetValue(postgres) });
            var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("import");
            var data = Program.LoadDataset(dataset.Read(result) ?? new DatasetSpec(["synthetic"], new ColumnMapping(), null));
            await DatasetImporter.ImportAsync(data, services.GetRequiredService<ICatalogStore>(), services.GetRequiredService<IInteractionHistory>(), logger, cancellationToken);
        }));
        return command;
    }
}
