using System.Runtime.InteropServices;
using Personalization.Contracts;
using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Storage;

namespace Personalization.Trainer.Training;

/// <summary>
/// Interactions aggregated into a user × item matrix of summed signal weights (the same
/// <see cref="SignalPolicy"/> the user grains fold in with), a companion matrix of explicit ratings on the same
/// pattern, and the id maps.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(string[] userIds, string[] itemIds, InteractionMatrix matrix, InteractionMatrix ratings, long[] firstSeen, DateTimeOffset cutoff, long events)
    {
        FirstSeen = firstSeen;
        UserIds = userIds;
        ItemIds = itemIds;
        Matrix = matrix;
        Ratings = ratings;
        DataCutoff = cutoff;
        Events = events;
    }

    /// <summary>
    /// The latest explicit rating per stored entry of <see cref="Matrix"/> (same row pointers and columns), 0 where the
    /// user gave none: what explicit models (biased MF) train on.
    /// </summary>
    public InteractionMatrix Ratings { get; }

    /// <summary>
    /// When each stored entry of <see cref="Matrix"/> was first seen (Unix seconds, in storage order): the time a user
    /// first met the item, which the time-based evaluation protocols split on (<see cref="Recommender.Evaluation.TemporalSplit"/>).
    /// </summary>
    public long[] FirstSeen { get; }

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
    /// <remarks>A pair enters the matrices when its events carry signal or a rating; a rating that weighs nothing
    /// (the neutral value) still marks the item as seen by the user.</remarks>
    public static async Task<TrainingData> BuildAsync(IAsyncEnumerable<InteractionRecord> records, SignalPolicy signals, CancellationToken cancellationToken)
    {
        var users = new Dictionary<string, int>(StringComparer.Ordinal);
        var items = new Dictionary<string, int>(StringComparer.Ordinal);
        var entries = new List<MatrixEntry>();
        var ratings = new List<MatrixEntry>();
        var times = new List<long>();
        var cutoff = DateTimeOffset.MinValue;
        long events = 0;
        await foreach (var record in records.WithCancellation(cancellationToken))
        {
            events++;
            if (record.Timestamp > cutoff) cutoff = record.Timestamp;
            var weight = signals.Weight(record.Type, record.Value);
            bool rating = InteractionTypes.TryParse(record.Type, out var type) && type == InteractionType.Rating && record.Value is > 0f;
            if (weight == 0f && !rating) continue;
            if (!users.TryGetValue(record.UserId, out var u)) users[record.UserId] = u = users.Count;
            if (!items.TryGetValue(record.ItemId, out var i)) items[record.ItemId] = i = items.Count;
            entries.Add(new MatrixEntry(u, i, weight));
            times.Add(record.Timestamp.ToUnixTimeSeconds());
            if (rating) ratings.Add(new MatrixEntry(u, i, record.Value!.Value));
        }
        var matrix = InteractionMatrix.FromEntries(users.Count, items.Count, CollectionsMarshal.AsSpan(entries));
        return new TrainingData(Ids(users), Ids(items), matrix, RatingsOnPattern(matrix, ratings), FirstSeenOnPattern(matrix, entries, times),
            cutoff == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : cutoff, events);
    }

    // The earliest event per stored pair.
    private static long[] FirstSeenOnPattern(InteractionMatrix pattern, List<MatrixEntry> entries, List<long> times)
    {
        var firstSeen = new long[pattern.NonZeros];
        firstSeen.AsSpan().Fill(long.MaxValue);
        for (var e = 0; e < entries.Count; e++)
        {
            var entry = entries[e];
            int start = pattern.RowPointers[entry.Row];
            int position = Array.BinarySearch(pattern.ColumnIndices, start, pattern.RowPointers[entry.Row + 1] - start, entry.Column);
            if (position >= 0 && times[e] < firstSeen[position]) firstSeen[position] = times[e];
        }
        return firstSeen;
    }

    // Last rating wins (a re-rating replaces the old one); ratings are in event order.
    private static InteractionMatrix RatingsOnPattern(InteractionMatrix pattern, List<MatrixEntry> ratings)
    {
        var values = new float[pattern.NonZeros];
        foreach (var entry in ratings)
        {
            int start = pattern.RowPointers[entry.Row];
            int position = Array.BinarySearch(pattern.ColumnIndices, start, pattern.RowPointers[entry.Row + 1] - start, entry.Column);
            values[position] = entry.Weight;
        }
        return new InteractionMatrix(pattern.Rows, pattern.Columns, pattern.RowPointers, pattern.ColumnIndices, values);
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
