using Orleans.Runtime;
using Orleans.Streams;

namespace Personalization.Streaming.Providers;

/// <summary>
/// The pulling agent's cache of one partition, indexed by stream. Orleans' <c>SimpleQueueCache</c> keeps one list
/// for the whole queue, so every cursor walks past every other stream's records: with thousands of keys per partition
/// that walk was the largest single cost of delivery. Here each stream keeps its own records in log order and a cursor
/// only ever sees its own; a record is purged (and reported delivered) once every cursor of its stream has moved past
/// it, or at once when its stream has no cursor left (no subscriber).
/// </summary>
/// <remarks>
/// When a record is delivered follows from how the pulling agent uses a cursor: it gathers up to
/// <c>BatchContainerBatchSize</c> records (<see cref="IQueueCacheCursor.MoveNextWithResult"/> until no data or the batch is full),
/// delivers them in one call, and only then moves the cursor again; so the records of one gather are delivered when
/// the next gather starts. The pulling agent of the queue is the only caller; the lock guards the rare cursor disposed
/// from elsewhere.
/// </remarks>
internal sealed class KafkaQueueCache(int deliveryBatchSize) : IQueueCache
{
    private readonly Dictionary<StreamId, StreamRecords> _streams = [];
    // Streams that may hold records every cursor has passed (or that lost their last cursor).
    private readonly HashSet<StreamRecords> _purgeable = [];
    private readonly Lock _lock = new();
    private int _count;

    /// <summary>Records held (not yet purged).</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _count;
        }
    }

    // No limit of its own: the receiver stops reading at KafkaStreamOptions.MaxInFlight records not yet committed,
    // which bounds this cache too. A limit here would stop the pulling agent before it purges, so it could never drain.
    public int GetMaxAddCount() => QueueAdapterConstants.UNLIMITED_GET_QUEUE_MSG;

    public bool IsUnderPressure() => false;

    public void AddToCache(IList<IBatchContainer> messages)
    {
        lock (_lock)
        {
            foreach (var message in messages)
            {
                if (!_streams.TryGetValue(message.StreamId, out var stream))
                    _streams.Add(message.StreamId, stream = new StreamRecords(this, message.StreamId));
                stream.Items.Add(message);
                // A stream nobody reads from (no cursor by the next purge) must not hold its records forever.
                if (stream.Cursors.Count == 0) _purgeable.Add(stream);
            }
            _count += messages.Count;
        }
    }

    public bool TryPurgeFromCache(out IList<IBatchContainer> purgedItems)
    {
        lock (_lock)
        {
            if (_purgeable.Count == 0)
            {
                purgedItems = null!;
                return false;
            }
            var purged = new List<IBatchContainer>();
            foreach (var stream in _purgeable)
            {
                var upTo = stream.DeliveredUpTo();
                var n = (int)(upTo - stream.Start);
                if (n > 0)
                {
                    purged.AddRange(stream.Items.GetRange(0, n));
                    stream.Items.RemoveRange(0, n);
                    stream.Start = upTo;
                    _count -= n;
                }
                if (stream.Items.Count == 0 && stream.Cursors.Count == 0) _streams.Remove(stream.Id);
            }
            _purgeable.Clear();
            purgedItems = purged;
            return purged.Count > 0;
        }
    }

    public IQueueCacheCursor GetCacheCursor(StreamId streamId, StreamSequenceToken? token)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(streamId, out var stream))
                _streams.Add(streamId, stream = new StreamRecords(this, streamId));
            // From the first record at or after the token; without one, from what arrives next. A token older than the
            // oldest record held starts at the oldest: grains skip what their state already holds.
            var position = stream.End;
            if (token is not null)
            {
                position = stream.Start;
                while (position < stream.End && stream.Items[(int)(position - stream.Start)].SequenceToken.CompareTo(token) < 0) position++;
            }
            var cursor = new Cursor(stream, position, deliveryBatchSize);
            stream.Cursors.Add(cursor);
            return cursor;
        }
    }

    private void Remove(Cursor cursor)
    {
        lock (_lock)
        {
            if (cursor.Stream.Cursors.Remove(cursor)) _purgeable.Add(cursor.Stream);
        }
    }

    /// <summary>The records of one stream in log order: <see cref="Start"/> is the position of <c>Items[0]</c>.</summary>
    private sealed class StreamRecords(KafkaQueueCache cache, StreamId id)
    {
        public KafkaQueueCache Cache { get; } = cache;
        public StreamId Id { get; } = id;
        public List<IBatchContainer> Items { get; } = [];
        public List<Cursor> Cursors { get; } = new(1);
        public long Start { get; set; }
        public long End => Start + Items.Count;

        /// <summary>The position before which every cursor has delivered: all of it when no cursor is left.</summary>
        public long DeliveredUpTo()
        {
            var upTo = End;
            foreach (var c in Cursors) upTo = Math.Min(upTo, c.Delivered);
            return upTo;
        }
    }

    /// <summary>
    /// A position in one stream: <see cref="Position"/> is the next record to hand out, <see cref="Delivered"/> the
    /// first one not known to be delivered.
    /// </summary>
    private sealed class Cursor(StreamRecords stream, long position, int batchSize) : IQueueCacheCursor
    {
        private IBatchContainer? _current;
        private bool _disposed;
        private int _gathered = -1; // records handed out in the current gather; -1 between gathers

        public StreamRecords Stream { get; } = stream;
        public long Position { get; private set; } = position;
        public long Delivered { get; private set; } = position;

        public IBatchContainer? GetCurrent(out Exception? exception)
        {
            exception = null;
            return _current;
        }

        [Obsolete("Use MoveNextWithResult instead.")]
        public bool MoveNext() => MoveNextWithResult().Kind == QueueCacheCursorMoveResultKind.Success;

        public QueueCacheCursorMoveResult MoveNextWithResult()
        {
            var cache = Stream.Cache;
            lock (cache._lock)
            {
                if (_disposed) return QueueCacheCursorMoveResult.NoData;
                if (_gathered < 0)
                {
                    // A new gather: what the last one handed out has been delivered, and may be purged.
                    if (Delivered < Position)
                    {
                        Delivered = Position;
                        cache._purgeable.Add(Stream);
                    }
                    _gathered = 0;
                }
                if (Position >= Stream.End)
                {
                    _current = null;
                    _gathered = -1;
                    return QueueCacheCursorMoveResult.NoData;
                }
                _current = Stream.Items[(int)(Position - Stream.Start)];
                Position++;
                if (++_gathered >= batchSize) _gathered = -1;
                return QueueCacheCursorMoveResult.Success;
            }
        }

        public void Refresh(StreamSequenceToken token)
        {
            // Records are appended to this stream's own list, so the cursor sees them without being moved.
        }

        public void RecordDeliveryFailure()
        {
            // The failed record counts as passed: the receiver's checkpoint asks the grain whether its state holds it
            // and re-reads the partition when it does not.
        }

        public void Dispose()
        {
            if (_disposed) return;
            Stream.Cache.Remove(this);
            _disposed = true;
        }
    }
}

/// <summary>Creates a <see cref="KafkaQueueCache"/> per queue.</summary>
internal sealed class KafkaQueueAdapterCache(int deliveryBatchSize) : IQueueAdapterCache
{
    public IQueueCache CreateQueueCache(QueueId queueId) => new KafkaQueueCache(deliveryBatchSize);
}
