using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Storage;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Cli;

/// <summary>
/// <c>import-factors</c>: publishes ALS factors trained on a distributed engine (Spark MLlib's <c>ALS</c> with
/// <c>implicitPrefs</c>, written as Parquet) to the registry, through the same publish gate as <c>train</c>.
/// </summary>
internal static class ImportFactorsCommand
{
    public static Command Create()
    {
        var dataDir = CliOptions.DataDir();
        var postgres = CliOptions.Postgres();
        var items = new Option<string>("--items") { Description = "Item factors: a .parquet file or a folder of part files (columns id, features).", Required = true };
        var users = new Option<string?>("--users") { Description = "User factors in the same layout, for the item side's fold-in (optional)." };
        var idColumn = new Option<string>("--id-column") { Description = "Column of the ids.", DefaultValueFactory = _ => "id" };
        var featuresColumn = new Option<string>("--features-column") { Description = "Column of the vectors.", DefaultValueFactory = _ => "features" };
        var alpha = new Option<float>("--alpha") { Description = "The confidence scale the factors were trained with (Spark's alpha).", Required = true };
        var regularization = new Option<float>("--regularization") { Description = "The λ users are folded in with (Spark's regParam; Spark scales it by each user's count, see docs/scale.md).", Required = true };
        var margin = new Option<double>("--publish-margin") { Description = "Publish unless the gate's NDCG@20 is this share below the serving model's on the same split.", DefaultValueFactory = _ => 0.05 };
        var kafka = new Option<string?>("--kafka") { Description = "Bootstrap servers: announce a published model on the model-updates topic so silos swap it in." };
        var command = new Command("import-factors", "Publish item factors trained elsewhere (Parquet, e.g. Spark MLlib ALS) to the registry, gated against the serving model.")
            { dataDir, postgres, items, users, idColumn, featuresColumn, alpha, regularization, margin, kafka };
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            var (id, features) = (result.GetValue(idColumn)!, result.GetValue(featuresColumn)!);
            var itemTable = FactorTable.Read(result.GetValue(items)!, id, features);
            var userTable = result.GetValue(users) is { } userPath ? FactorTable.Read(userPath, id, features) : null;
            using var services = Program.Services(new StorageOptions { DataDir = result.GetValue(dataDir)!, Postgres = result.GetValue(postgres) });
            var options = new TrainingOptions
            {
                Factors = itemTable.Dimensions, Alpha = result.GetValue(alpha), Regularization = result.GetValue(regularization),
                PublishMargin = result.GetValue(margin),
            };
            var outcome = await services.GetRequiredService<TrainingPipeline>().ImportAndPublishAsync(itemTable, userTable, options, cancellationToken);
            var m = outcome.Model;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model v{m.Version}: {m.ItemIds.Length} items, {m.Factors} factors, {(outcome.Published ? "published" : "NOT published")}: {outcome.Reason}"));
            if (outcome.Published && result.GetValue(kafka) is { Length: > 0 } servers)
                await TrainCommand.AnnounceAsync(services, servers, m.Version, cancellationToken);
        }));
        return command;
    }
}
