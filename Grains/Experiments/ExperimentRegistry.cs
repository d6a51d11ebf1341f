using System.Collections.Immutable;
using System.Text.Json;
using Personalization.Contracts;
using Personalization.Storage;

namespace Personalization.Grains.Experiments;

/// <summary>
/// The experiments this silo applies, kept in step with <see cref="IExperimentStore"/>: loaded at start and updated
/// from announcements, so every silo assigns and ranks the same way. Reads are lock-free snapshots.
/// </summary>
public sealed class ExperimentRegistry
{
    private ImmutableSortedDictionary<string, RunningExperiment> _experiments = ImmutableSortedDictionary.Create<string, RunningExperiment>(StringComparer.Ordinal);

    /// <summary>The running experiments, by id (a snapshot).</summary>
    public IReadOnlyCollection<RunningExperiment> All => _experiments.Values.ToList();

    /// <summary>Number of running experiments.</summary>
    public int Count => _experiments.Count;

    /// <summary>The snapshot, ordered by id: the order in which experiments' ranking overrides apply.</summary>
    public ImmutableSortedDictionary<string, RunningExperiment> Snapshot => Volatile.Read(ref _experiments);

    /// <summary>An experiment, or null.</summary>
    public RunningExperiment? Find(string id) => Snapshot.GetValueOrDefault(id);

    /// <summary>Applies a stored record (ignored when an equal or newer one is already applied).</summary>
    public RunningExperiment Set(ExperimentRecord record)
    {
        var running = Parse(record);
        ImmutableInterlocked.Update(ref _experiments, current =>
            current.TryGetValue(record.Id, out var existing) && (existing.Epoch > running.Epoch || (existing.Epoch == running.Epoch && existing.UpdatedAt > running.UpdatedAt))
                ? current
                : current.SetItem(record.Id, running));
        return running;
    }

    /// <summary>Reads a stored definition (the JSON of <see cref="ExperimentDefinition"/>).</summary>
    public static RunningExperiment Parse(ExperimentRecord record)
    {
        var definition = JsonSerializer.Deserialize(record.Definition, GrainsJsonContext.Default.ExperimentDefinition)
            ?? throw new JsonException($"Experiment '{record.Id}' has an empty definition.");
        var variants = definition.Variants ?? [];
        var total = variants.Sum(v => v.Share);
        var shares = variants.Select(v => v.Share / total).ToArray();
        return new RunningExperiment(record.Id, record.Epoch, variants, shares, record.CreatedAt, record.UpdatedAt);
    }
}
