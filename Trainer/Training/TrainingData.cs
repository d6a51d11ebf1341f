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

    /// <summary>Aggregates a stream of interactions (the store's history).</summary>
    /// <remarks>A pair enters the matrices when its events carry signal or a rating; a rating that weighs nothing
    /// (the neutral value) still marks the item as seen by the user.</remarks>
    public static async Task<TrainingData> BuildAsync(IAsyncEnumerable<InteractionRecord> records, SignalPolicy signals, CancellationToken cancellationToken)
    {
        var builder = new Builder(signals);
        await foreach (var record in records.WithCancellation(cancellationToken)) builder.Add(record);
        return builder.Finish();
    }

    /// <summary>Aggregates interactions read from files (a data set), without an asynchronous step per row.</summary>
    public static TrainingData Build(IEnumerable<InteractionRecord> records, SignalPolicy signals, CancellationToken cancellationToken = default)
    {
        var builder = new Builder(signals);
        long read = 0;
        foreach (var record in records)
        {
            builder.Add(record);
            if (++read % 1_000_000 == 0) cancellationToken.ThrowIfCancellationRequested();
        }
        return builder.Finish();
    }

    /// <summary>
    /// Aggregates a history its loader hands over with the ids already numbered (<see cref="Datasets.Dataset.Resolved"/>):
    /// the same result as <see cref="Build(IEnumerable{InteractionRecord}, SignalPolicy, CancellationToken)"/> on the
    /// same events, without a record or a string lookup per row.
    /// </summary>
    public static TrainingData Build(Datasets.IResolvedHistory history, SignalPolicy signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(history);
        var builder = new Builder(signals);
        history.ReadInto(builder, cancellationToken);
        return builder.Finish();
    }

    // Ids to dense indices, one matrix entry (with its time and rating) per event with signal or a rating.
    private sealed class Builder(SignalPolicy signals) : Datasets.IInteractionSink
    {
        private readonly Dictionary<string, int> _users = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> _items = new(StringComparer.Ordinal);
        private readonly List<MatrixEntry> _entries = [];
        private readonly List<float> _ratings = []; // per entry; NaN where the event was no rating
        private readonly List<long> _times = [];
        private DateTimeOffset _cutoff = DateTimeOffset.MinValue;
        private long _events;

        // Logs are mostly grouped by user and carry a handful of type strings: the last of each is looked up once.
        private string? _lastUser;
        private int _lastUserIndex;
        private string? _lastType;
        private InteractionType? _lastParsed;

        // A resolved history's numbers to ours (index + 1; 0 until first seen), so each id is hashed once per read.
        private IReadOnlyList<string> _sourceUsers = [];
        private IReadOnlyList<string> _sourceItems = [];
        private int[] _userMap = [];
        private int[] _itemMap = [];
        private long _newestSeconds = long.MinValue;

        public void Add(InteractionRecord record)
        {
            _events++;
            if (record.Timestamp > _cutoff) _cutoff = record.Timestamp;
            if (!ReferenceEquals(record.Type, _lastType))
            {
                _lastType = record.Type;
                _lastParsed = InteractionTypes.TryParse(record.Type, out var parsed) ? parsed : null;
            }
            if (_lastParsed is not { } type || !Counts(type, record.Value, out var weight, out var rating)) return;
            if (!ReferenceEquals(record.UserId, _lastUser))
            {
                _lastUser = record.UserId;
                _lastUserIndex = IndexOf(_users, record.UserId);
            }
            Append(_lastUserIndex, IndexOf(_items, record.ItemId), weight, record.Timestamp.ToUnixTimeSeconds(), rating);
        }

        public void Begin(IReadOnlyList<string> userIds, IReadOnlyList<string> itemIds, long expectedRows)
        {
            // One allocation per buffer instead of doubling: growth copies and faults in twice the memory. Capped, so
            // an estimate from an odd first line cannot ask for absurd sizes (the lists still grow past it).
            var capacity = (int)Math.Clamp(expectedRows, 0, 1L << 26);
            _entries.EnsureCapacity(_entries.Count + capacity);
            _times.EnsureCapacity(_times.Count + capacity);
            _ratings.EnsureCapacity(_ratings.Count + capacity);
            _sourceUsers = userIds;
            _sourceItems = itemIds;
            _userMap = new int[Math.Max(16, userIds.Count)];
            _itemMap = new int[Math.Max(16, itemIds.Count)];
        }

        public void Add(int user, int item, InteractionType type, float? value, long unixSeconds)
        {
            _events++;
            if (unixSeconds > _newestSeconds) _newestSeconds = unixSeconds;
            if (!Counts(type, value, out var weight, out var rating)) return;
            Append(Map(ref _userMap, user, _sourceUsers, _users), Map(ref _itemMap, item, _sourceItems, _items), weight, unixSeconds, rating);
        }

        // An event's signal weight and its rating (NaN when it is none); false when it brings neither, and so no entry.
        private bool Counts(InteractionType type, float? value, out float weight, out float rating)
        {
            weight = signals.Weight(type, value);
            rating = type == InteractionType.Rating && value is > 0f ? value.Value : float.NaN;
            return weight != 0f || !float.IsNaN(rating);
        }

        private void Append(int user, int item, float weight, long seconds, float rating)
        {
            _entries.Add(new MatrixEntry(user, item, weight));
            _times.Add(seconds);
            _ratings.Add(rating);
        }

        private static int IndexOf(Dictionary<string, int> indices, string id)
        {
            ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(indices, id, out var exists);
            if (!exists) index = indices.Count - 1;
            return index;
        }

        private static int Map(ref int[] map, int source, IReadOnlyList<string> ids, Dictionary<string, int> indices)
        {
            if (source >= map.Length) Array.Resize(ref map, Math.Max(source + 1, 2 * map.Length));
            ref var slot = ref map[source];
            if (slot == 0) slot = IndexOf(indices, ids[source]) + 1;
            return slot - 1;
        }

        public TrainingData Finish()
        {
            var matrix = InteractionMatrix.FromEntries(_users.Count, _items.Count, CollectionsMarshal.AsSpan(_entries));
            // One pass places every event on its stored pair: the earliest time, and the last rating (a re-rating
            // replaces the old one; events are in order).
            var firstSeen = new long[matrix.NonZeros];
            firstSeen.AsSpan().Fill(long.MaxValue);
            var ratings = new float[matrix.NonZeros];
            for (var e = 0; e < _entries.Count; e++)
            {
                var entry = _entries[e];
                int start = matrix.RowPointers[entry.Row];
                int position = Array.BinarySearch(matrix.ColumnIndices, start, matrix.RowPointers[entry.Row + 1] - start, entry.Column);
                if (position < 0) continue;
                if (_times[e] < firstSeen[position]) firstSeen[position] = _times[e];
                if (!float.IsNaN(_ratings[e])) ratings[position] = _ratings[e];
            }
            var ratingMatrix = new InteractionMatrix(matrix.Rows, matrix.Columns, matrix.RowPointers, matrix.ColumnIndices, ratings);
            var cutoff = _newestSeconds == long.MinValue ? _cutoff : Max(_cutoff, DateTimeOffset.FromUnixTimeSeconds(_newestSeconds));
            return new TrainingData(Ids(_users), Ids(_items), matrix, ratingMatrix, firstSeen,
                cutoff == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : cutoff, _events);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string[] Ids(Dictionary<string, int> map)
    {
        var ids = new string[map.Count];
        foreach (var (id, index) in map) ids[index] = id;
        return ids;
    }

    /// <summary>
    /// The entries <paramref name="split"/> trains on, as training data of their own with the same ids: what a
    /// validation split is carved from, so tuning never sees the test part.
    /// </summary>
    public TrainingData TrainingPart(Recommender.Evaluation.EvaluationSplit split)
    {
        ArgumentNullException.ThrowIfNull(split);
        var signals = split.Apply(Matrix).Train;
        var ratings = split.Apply(Ratings).Train;
        var firstSeen = new long[signals.NonZeros];
        var kept = 0;
        var roles = split.Roles;
        for (var p = 0; p < roles.Length; p++)
            if (roles[p] == Recommender.Evaluation.EntryRole.Train) firstSeen[kept++] = FirstSeen[p];
        return new TrainingData(UserIds, ItemIds, signals, ratings, firstSeen, DataCutoff, Events);
    }

    /// <summary>
    /// Each stored entry's place in its user's history by <see cref="FirstSeen"/> (1 = the first item met; ties by item
    /// row), on the pattern of <see cref="Matrix"/>: what a sequential model trains on and reads a user's order from, in
    /// the way an explicit model reads <see cref="Ratings"/>. Built on first use.
    /// </summary>
    public InteractionMatrix Order => _order ??= BuildOrder();

    private InteractionMatrix? _order;

    private InteractionMatrix BuildOrder()
    {
        var pointers = Matrix.RowPointers;
        var places = new float[Matrix.NonZeros];
        var entries = new List<int>();
        for (var u = 0; u < Matrix.Rows; u++)
        {
            entries.Clear();
            for (var p = pointers[u]; p < pointers[u + 1]; p++) entries.Add(p);
            entries.Sort((a, b) => FirstSeen[a] != FirstSeen[b] ? FirstSeen[a].CompareTo(FirstSeen[b]) : a.CompareTo(b));
            for (var i = 0; i < entries.Count; i++) places[entries[i]] = i + 1;
        }
        return new InteractionMatrix(Matrix.Rows, Matrix.Columns, pointers, Matrix.ColumnIndices, places);
    }

    /// <summary>The matrix a model of this name trains on and scores from: ratings (mf), history order (sasrec) or signal weights.</summary>
    /// <param name="model">A model name of <see cref="Models.ModelSpec.Names"/>.</param>
    public InteractionMatrix InputFor(string model) => model switch
    {
        "mf" => Ratings,
        "sasrec" => Order,
        _ => Matrix,
    };

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
