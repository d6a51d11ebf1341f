using System.Text.Json;
using Personalization.Trainer.Models;

namespace Personalization.Trainer.Tuning;

/// <summary>The settings a tuning run chose for one model, as <c>tune --out</c> writes them and <c>--settings</c> reads them.</summary>
/// <param name="Model">The model they are for.</param>
/// <param name="Settings">Values by parameter name (<c>regularization</c>, <c>alpha</c>).</param>
/// <param name="Protocol">The protocol they were chosen under.</param>
/// <param name="Dataset">The data they were chosen on.</param>
public sealed record TunedSettings(string Model, IReadOnlyDictionary<string, double> Settings, string Protocol, string Dataset)
{
    /// <summary>Reads a settings file; errors name the file.</summary>
    public static TunedSettings Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        try
        {
            return JsonSerializer.Deserialize<TunedSettings>(File.ReadAllText(path), Program.Json) is { Model.Length: > 0, Settings: not null } settings
                ? settings
                : throw new ArgumentException($"{path}: not a tuned-settings file (no model or settings).");
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"{path}: not a tuned-settings file: {ex.Message}");
        }
    }

    /// <summary>Writes the file.</summary>
    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Program.Json));
    }

    /// <summary>The spec with these settings, which must be for its model.</summary>
    public ModelSpec ApplyTo(ModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Model != Model) throw new ArgumentException($"--settings were tuned for {Model}, not --model {spec.Model}.");
        return ModelTuner.With(spec, Settings);
    }
}
