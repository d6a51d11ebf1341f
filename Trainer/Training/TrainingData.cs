using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Trainer.Training;

/// <summary>
/// Interactions aggregated into a user × item matrix of summed signal weights (the same
/// <see cref="SignalPolicy"/> the user grains fold in with), with the id maps.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(string[] userIds, string[] itemIds, InteractionMatrix matrix, DateTimeOffset cutoff, long events)
    {
        UserIds = userIds;
        ItemIds = itemIds;
        Matrix = matrix;
        DataCutoff = cutoff;
        Events = events;
    }

    /// <summary>User id per matrix row.</summary>
    public string[] UserIds { get; }

    /// <summary>Item id per matrix column.</summary>
    public string[] ItemIds { get; }

    /// <summary>Summed signal weights.</summary>
    public InteractionMatrix Matrix { get; }

    /// <summary>Time of the newest interaction.</summary>
    public DateTimeOffset DataCutoff { get; }

    /// <summary>Events read.</summary>
    public long Events { get; }

    /// <summary>Aggregates a stream of interactions.</summary>
    public static async Task<TrainingData> BuildAsync(IAsyncEnumerable<InteractionRecord> records, SignalPolicy signals, CancellationToken cancellationToken)
    {
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<MatrixEntry>();
        var cutoff = DateTimeOffset.MinValue;
        long events = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            events++;
            var weight = signals.Weight(record.Type, record.Value);
            if (record.Timestamp > cutoff) cutoff = record.Timestamp;
            if (weight == 0f) continue;
            if (!users.TryGetValue(record.UserId, out var u)) users[record.UserId] = u = users.Count;
            if (!items.TryGetValue(record.ItemId, out var i)) items[record.ItemId] = i = items.Count;
            entries.Add(new MatrixEntry(u, i, weight));
        }
        var matrix = InteractionMatrix.FromEntries(users.Count, items.Count, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(entries));
        return new TrainingData(Ids(users), Ids(items), matrix, cutoff == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : cutoff, events);
    }

    private static string[] Ids(Dictionary<string, int> map)
    {
        var ids = new string[map.Count];
        foreach (var (id, index) in map) ids[index] = id;
        return ids;
    }

    /// <summary>Per item: users whose summed signal is positive.</summary>
    public float[] ItemPopularity()
    {
        var popularity = new float[ItemIds.Length];
        for (var u = 0; u < Matrix.Rows; u++)
        {
            var columns = Matrix.RowColumns(u);
            var weights = Matrix.RowWeights(u);
            for (var j = 0; j < columns.Length; j++) if (weights[j] > 0) popularity[columns[j]]++;
        }
        return popularity;
    }
}
