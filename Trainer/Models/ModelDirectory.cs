using System.Text.Json;
using Personalization.Recommender.Models;
using Personalization.Trainer.Training;

namespace Personalization.Trainer.Models;

/// <summary>
/// A trained model on disk: <c>model.bin</c> (<see cref="ModelFile"/>), <c>items.txt</c> (the item id of each model
/// column, one per line) and <c>model.json</c> (name, parameters, data set, cutoff and sizes).
/// </summary>
public static class ModelDirectory
{
    /// <summary>Writes the three files into <paramref name="folder"/>, creating it.</summary>
    /// <param name="folder">Target folder.</param>
    /// <param name="model">The trained model.</param>
    /// <param name="data">The data it was trained on (for the id maps and cutoff).</param>
    /// <param name="dataset">Data set name.</param>
    public static void Write(string folder, IRecommenderModel model, TrainingData data, string dataset)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(data);
        Directory.CreateDirectory(folder);
        using (var stream = File.Create(Path.Combine(folder, "model.bin")))
            ModelFile.Write(model, stream);
        File.WriteAllLines(Path.Combine(folder, "items.txt"), data.ItemIds);
        var metadata = new
        {
            model = model.Name,
            parameters = model.Parameters,
            dataset,
            users = data.UserIds.Length,
            items = data.ItemIds.Length,
            pairs = data.Matrix.NonZeros,
            events = data.Events,
            dataCutoff = data.DataCutoff,
            trainedAt = DateTimeOffset.UtcNow,
        };
        File.WriteAllText(Path.Combine(folder, "model.json"), JsonSerializer.Serialize(metadata, Program.Json));
    }

    /// <summary>Reads a folder written by <see cref="Write"/>: the model and its item ids.</summary>
    /// <param name="folder">The folder.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">The files do not belong together.</exception>
    public static (IRecommenderModel Model, string[] ItemIds) Read(string folder)
    {
        var binary = Path.Combine(folder, "model.bin");
        var items = Path.Combine(folder, "items.txt");
        if (!File.Exists(binary)) throw new FileNotFoundException($"{binary}: file not found.", binary);
        if (!File.Exists(items)) throw new FileNotFoundException($"{items}: file not found.", items);
        IRecommenderModel model;
        using (var stream = File.OpenRead(binary))
            model = ModelFile.Read(stream);
        var ids = File.ReadAllLines(items);
        if (ids.Length != model.Items)
            throw new InvalidDataException($"{items}: {ids.Length} item ids for a model of {model.Items} items.");
        return (model, ids);
    }
}
