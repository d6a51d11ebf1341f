using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Parquet.Serialization;
using Personalization.Grains.Signals;
using Personalization.Storage;
using Personalization.Tests.Infrastructure;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.Tests.Trainer;

/// <summary>
/// Factors trained on a distributed engine come in as Spark writes them (a folder of Parquet part files, id and
/// features) and go to the registry through the gate, which compares them with the serving model on the same split.
/// </summary>
public sealed class FactorImportTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("factor-import-").FullName;

    [Fact]
    public async Task Factors_from_parquet_part_files_are_published_and_a_scrambled_join_is_held_back()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPersonalizationStorage(new StorageOptions { DataDir = Path.Combine(_dir, "store") });
        services.AddSingleton(SignalPolicy.Default);
        services.AddSingleton<TrainingPipeline>();
        await using var provider = services.BuildServiceProvider();
        await DatasetImporter.ImportAsync(MovieLensDataset.Load(MovieLensData.Generated), provider.GetRequiredService<ICatalogStore>(),
            provider.GetRequiredService<IInteractionHistory>(), NullLogger.Instance, CancellationToken.None);
        var pipeline = provider.GetRequiredService<TrainingPipeline>();
        var options = new TrainingOptions { Factors = 8, Iterations = 6, Threads = 2, LearnContentMapping = false };
        var serving = (await pipeline.TrainAndPublishAsync(options, CancellationToken.None)).Model;

        // The "Spark job": the same objective's item factors, in two part files, last rows first.
        var k = serving.Factors;
        var rows = Enumerable.Range(0, serving.Items).Reverse()
            .Select(i => new FactorRow(serving.ItemIds[i], serving.ItemFactors.AsSpan(i * k, k).ToArray())).ToArray();
        var folder = Directory.CreateDirectory(Path.Combine(_dir, "itemFactors")).FullName;
        await ParquetSerializer.SerializeAsync(rows[..(rows.Length / 2)], Path.Combine(folder, "part-00000.parquet"));
        await ParquetSerializer.SerializeAsync(rows[(rows.Length / 2)..], Path.Combine(folder, "part-00001.parquet"));
        var userFile = Path.Combine(_dir, "users.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new FactorRow("1", [.. Enumerable.Repeat(0.5f, k)]), new FactorRow("2", [.. Enumerable.Repeat(-0.25f, k)]) }, userFile);

        var items = FactorTable.Read(folder);
        Assert.Equal((serving.Items, k), (items.Rows, items.Dimensions));
        var import = new TrainingOptions { Alpha = serving.Alpha, Regularization = serving.Regularization, LearnContentMapping = false };
        var imported = await pipeline.ImportAndPublishAsync(items, FactorTable.Read(userFile), import, CancellationToken.None);

        Assert.True(imported.Published, imported.Reason);
        Assert.Equal(serving.Version + 1, imported.Model.Version);
        var published = await provider.GetRequiredService<IModelStore>().LoadLatestAsync(CancellationToken.None);
        Assert.NotNull(published);
        Assert.Equal(imported.Model.Version, published.Version);
        Assert.True(published.TryGetItemIndex(serving.ItemIds[3], out var at));
        Assert.Equal(serving.ItemVector(3).ToArray(), published.ItemVector(at).ToArray());
        Assert.Equal(serving.ItemPopularity[3], published.ItemPopularity[at]);
        Assert.Equal(serving.Gram, published.Gram, (a, b) => Math.Abs(a - b) < 1e-3 * Math.Max(1, Math.Abs(a)));
        Assert.Equal(2, published.Users);
        Assert.Equal(0.5 * 0.5 + 0.25 * 0.25, published.UserGram![0], 1e-6);
        Assert.Equal(1.0, published.Metrics["import.history_items_covered"]);
        // Judged on the same split as the serving model, the same factors score the same.
        var score = published.Metrics[options.GateMetric];
        Assert.InRange(score, 0.01, 1);
        Assert.Contains(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{score:F4} against v{serving.Version}'s {score:F4}"), imported.Reason);

        // A job that joined ids to the wrong rows: every vector is another item's.
        var scrambled = Path.Combine(_dir, "scrambled.parquet");
        await ParquetSerializer.SerializeAsync(rows.Select((r, i) => r with { features = rows[(i + 7) % rows.Length].features }).ToArray(), scrambled);
        var held = await pipeline.ImportAndPublishAsync(FactorTable.Read(scrambled), null, import, CancellationToken.None);
        Assert.False(held.Published);
        Assert.Contains("worse than the serving model", held.Reason);
        Assert.Equal(imported.Model.Version, (await provider.GetRequiredService<IModelStore>().LoadLatestAsync(CancellationToken.None))!.Version);

        // Ids that are not the catalog's (Spark's integer indexes, not joined back) publish nothing.
        var indexes = Path.Combine(_dir, "indexes.parquet");
        await ParquetSerializer.SerializeAsync(rows.Select((r, i) => r with { id = $"#{i}" }).ToArray(), indexes);
        var unknown = await Assert.ThrowsAsync<InvalidOperationException>(() => pipeline.ImportAndPublishAsync(FactorTable.Read(indexes), null, import, CancellationToken.None));
        Assert.Contains("is the id column the catalog's item id?", unknown.Message);
    }

    [Fact]
    public async Task A_bad_factor_file_is_named_with_its_row()
    {
        var path = Path.Combine(_dir, "bad.parquet");
        await ParquetSerializer.SerializeAsync(new[] { new FactorRow("a", [1f, 2f]), new FactorRow("b", [1f, 2f, 3f]) }, path);
        var ex = Assert.Throws<DatasetFormatException>(() => FactorTable.Read(path));
        Assert.Equal((path, 2L), (ex.File, ex.Line));
        Assert.Contains("has 3 values; the first row had 2", ex.Message);

        await ParquetSerializer.SerializeAsync(new[] { new FactorRow("a", [1f]), new FactorRow("a", [2f]) }, path);
        Assert.Contains("id 'a' appears again (first at", Assert.Throws<DatasetFormatException>(() => FactorTable.Read(path)).Message);

        await ParquetSerializer.SerializeAsync(new[] { new FactorRow("a", [1f, float.NaN]) }, path);
        Assert.Contains("not a finite number", Assert.Throws<DatasetFormatException>(() => FactorTable.Read(path)).Message);

        await ParquetSerializer.SerializeAsync(new[] { new FactorRow("a", [1f]) }, path);
        Assert.Contains("no column 'vector'", Assert.Throws<DatasetFormatException>(() => FactorTable.Read(path, featuresColumn: "vector")).Message);
        Assert.Throws<FileNotFoundException>(() => FactorTable.Read(Path.Combine(_dir, "missing.parquet")));
        Assert.Throws<FileNotFoundException>(() => FactorTable.Read(Directory.CreateDirectory(Path.Combine(_dir, "empty")).FullName));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A row as Spark's ALS writes <c>itemFactors</c>, with the catalog's id joined back.</summary>
    public sealed record FactorRow(string id, float[] features);
}
