using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Hosting;
using Personalization.Runtime.Kafka;
using Personalization.Runtime.Placement;

namespace Personalization.Runtime.Streams;

/// <summary>
/// The silo's member of one grain topic's consumer group. The partitions Kafka assigns it are the grains
/// of that topic it hosts.
/// Records go to their grains (and stream taps) in log order per grain; every checkpoint first makes the
/// grains' state and the taps durable, then commits the offsets that state covers. A replay after a crash
/// skips records a grain's state already holds, so each record takes effect exactly once.
/// </summary>
internal sealed class TopicConsumer
{
    private static readonly Meter Meter = StreamConsumerService.Meter;
    private static readonly Counter<long> Records = Meter.CreateCounter<long>("stream.records");
    private static readonly Histogram<double> ApplyMs = Meter.CreateHistogram<double>("stream.apply.duration", "ms");

    private readonly string _topic;
    private readonly KafkaConnection _connection;
    private readonly GrainRuntime _runtime;
    private readonly GrainTypeRegistry _types;
    private readonly PartitionOwnership _ownership;
    private readonly ILookup<string, IStreamTap> _taps;
    private readonly ILogger _logger;
    private readonly Dictionary<TopicPartition, PartitionProgress> _progress = new();
    private readonly ConcurrentQueue<List<TopicPartitionOffset>> _readyToCommit = new();
    private readonly ConcurrentQueue<int> _rewinds = new();
    private readonly ConcurrentDictionary<TopicPartition, long> _lag = new();
    private Task? _checkpoint;
    private long _nextCheckpoint;

    public TopicConsumer(string topic, KafkaConnection connection, GrainRuntime runtime, GrainTypeRegistry types,
        PartitionOwnership ownership, IEnumerable<IStreamTap> taps, ILogger logger)
    {
        _topic = topic;
        _connection = connection;
        _runtime = runtime;
        _types = types;
        _ownership = ownership;
        _taps = taps.Where(t => t.Topic == topic).ToLookup(t => t.Topic);
        _logger = logger;
    }

    public long Lag => _lag.Values.Sum();


    /// <summary>One consumer group per grain topic, so each topic's partitions are balanced over the silos on their own.</summary>
    private string GroupId => $"{_connection.Options.GroupId}.{_topic}";

    public Task RunAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Run(stoppingToken), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Run(CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(_connection.ConsumerConfig(GroupId))
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(c, partitions))
            .SetPartitionsRevokedHandler((c, partitions) => OnRevoked(c, partitions))
            .SetPartitionsLostHandler((c, partitions) => OnLost(partitions))
            .SetErrorHandler((_, e) => _logger.LogWarning("Kafka consumer error: {Reason}", e.Reason))
            .Build();
        consumer.Subscribe(_topic);
        _logger.LogInformation("Joined consumer group {Group} for {Topic}", GroupId, _topic);
        try
        {
            while (!stoppingToken.IsCancellationRequested) Step(consumer, TimeSpan.FromMilliseconds(50));
            Drain(consumer, TimeSpan.FromSeconds(15));
            CheckpointNow(consumer, _progress.Keys.ToList());
            consumer.Close();
        }
        catch (Exception ex)
        {
            _logger.LogCritical(ex, "The stream consumer stopped");
            throw;
        }
    }

    private void Step(IConsumer<string, byte[]> consumer, TimeSpan timeout)
    {
        ConsumeResult<string, byte[]>? result = null;
        try
        {
            result = consumer.Consume(timeout);
        }
        catch (ConsumeException ex)
        {
            _logger.LogWarning("Consume failed: {Reason}", ex.Error.Reason);
        }
        CommitReady(consumer);
        Rewind(consumer);
        if (result is { IsPartitionEOF: false, Message: not null }) Dispatch(consumer, result);
        else if (result is null) UpdateLag(consumer);
        if (Environment.TickCount64 >= _nextCheckpoint && _checkpoint is null or { IsCompleted: true })
        {
            _nextCheckpoint = Environment.TickCount64 + (long)_connection.Options.CheckpointInterval.TotalMilliseconds;
            StartCheckpoint();
        }
    }

    private void Dispatch(IConsumer<string, byte[]> consumer, ConsumeResult<string, byte[]> result)
    {
        var tp = result.TopicPartition;
        if (!_progress.TryGetValue(tp, out var progress)) return; // a record of a partition revoked meanwhile
        var envelope = new EventEnvelope(tp.Topic, tp.Partition.Value, result.Offset.Value, result.Message.Key ?? "",
            result.Message.Value ?? [], result.Message.Timestamp.UtcDateTime);
        Task? done = null;
        // The record's span continues the producer's trace (traceparent header); it is current while the
        // delivery starts, so the grain's spans and logs join it, and ends when the record took effect.
        var outside = Activity.Current;
        var span = StartProcessSpan(result);
        try
        {
            if (_types.ForTopic(tp.Topic) is { } registration)
                done = DeliverWithRetryAsync(new GrainId(registration.Name, envelope.Key), envelope);
            foreach (var tap in _taps[tp.Topic])
            {
                if (tap.Observe(envelope) is { } tapped) done = done is null ? tapped : Task.WhenAll(done, tapped);
            }
        }
        finally
        {
            if (span is not null) Activity.Current = outside; // the poll loop itself stays outside the record's trace
        }
        done ??= Task.CompletedTask;
        if (span is not null) done = EndSpanAsync(span, done);
        progress.Add(envelope.Offset, Guard(done, envelope));
        Records.Add(1, new KeyValuePair<string, object?>("topic", tp.Topic));
        if (progress.InFlight > _connection.Options.MaxInFlight) progress.WaitOldest(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// Applies a record, retrying transient failures (a storage hiccup) with backoff for as long as it
    /// takes: the partition's commit position waits for it. Only a record that cannot be read at all is
    /// skipped (<see cref="Guard"/>); a partition that moved away fails the task, and the commit position
    /// stays before the record so the new owner replays it.
    /// </summary>
    private async Task DeliverWithRetryAsync(GrainId grainId, EventEnvelope envelope)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _runtime.DeliverAsync(grainId, envelope, CancellationToken.None).ConfigureAwait(false);
                ApplyMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (Exception ex) when (!IsPoison(ex) && ex is not Placement.GrainNotOwnedException)
            {
                _logger.LogWarning(ex, "Applying {Topic}/{Partition}@{Offset} to {GrainId} failed (attempt {Attempt}); retrying",
                    envelope.Topic, envelope.Partition, envelope.Offset, grainId, attempt);
                await Task.Delay(Math.Min(5_000, 100 * attempt)).ConfigureAwait(false);
            }
        }
    }

    private static Activity? StartProcessSpan(ConsumeResult<string, byte[]> result)
    {
        // Only records produced inside a trace get a span: bulk imports and replays would otherwise start
        // a new root trace per record.
        if (!GrainRuntime.Activities.HasListeners() || !TraceHeaders.TryExtract(result.Message.Headers, out var parent)) return null;
        var span = GrainRuntime.Activities.StartActivity("process " + result.Topic, ActivityKind.Consumer, parent);
        if (span is null) return null;
        span.SetTag("messaging.system", "kafka");
        span.SetTag("messaging.destination.name", result.Topic);
        span.SetTag("messaging.destination.partition.id", result.Partition.Value);
        span.SetTag("messaging.kafka.offset", result.Offset.Value);
        return span;
    }

    private static async Task EndSpanAsync(Activity span, Task done)
    {
        try
        {
            await done.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
        finally
        {
            span.Dispose();
        }
    }

    private static bool IsPoison(Exception ex) => ex is System.Text.Json.JsonException or InvalidDataException or FormatException;

    /// <summary>A record that cannot be read would stall its partition forever: log it and move on.</summary>
    private async Task Guard(Task done, EventEnvelope envelope)
    {
        try
        {
            await done.ConfigureAwait(false);
        }
        catch (Exception ex) when (IsPoison(ex))
        {
            _logger.LogError(ex, "Record {Topic}/{Partition}@{Offset} (key {Key}) is unreadable and was skipped",
                envelope.Topic, envelope.Partition, envelope.Offset, envelope.Key);
        }
    }

    private void StartCheckpoint()
    {
        var marks = new List<TopicPartitionOffset>();
        foreach (var (tp, progress) in _progress)
        {
            progress.Advance();
            if (progress.CompletedUpTo > progress.Committed) marks.Add(new TopicPartitionOffset(tp, progress.CompletedUpTo));
        }
        if (marks.Count == 0) return;
        _checkpoint = Task.Run(async () =>
        {
            try
            {
                await FlushAsync((topic, _) => topic == _topic).ConfigureAwait(false);
                _readyToCommit.Enqueue(marks);
            }
            catch (InconsistentStateException conflict) when (_runtime.PlacementOf(conflict.GrainId) is { } placement)
            {
                // Another silo wrote this grain after we loaded it (it owned the partition and had not
                // learnt it lost it). The runtime dropped our copy; replay the partition from its commit so
                // the reloaded grain re-applies what the other silo's write does not hold.
                _logger.LogWarning("{GrainId} was written by another silo; replaying partition {Partition} from its last commit", conflict.GrainId, placement.Partition);
                _rewinds.Enqueue(placement.Partition);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Checkpoint failed; offsets stay uncommitted and the records will be replayed if needed");
            }
        });
    }

    private async Task FlushAsync(Func<string?, int, bool>? filter)
    {
        await _runtime.CheckpointAsync(filter, CancellationToken.None).ConfigureAwait(false);
        foreach (var group in _taps)
            foreach (var tap in group)
                await tap.FlushAsync(CancellationToken.None).ConfigureAwait(false);
    }

    private void Rewind(IConsumer<string, byte[]> consumer)
    {
        while (_rewinds.TryDequeue(out var partition))
        {
            var tp = new TopicPartition(_topic, partition);
            if (!_progress.TryGetValue(tp, out var progress)) continue; // not ours any more: the next owner replays anyway
            consumer.Seek(new TopicPartitionOffset(tp, progress.Committed));
            _progress[tp] = new PartitionProgress(progress.Committed);
        }
    }

    private void CommitReady(IConsumer<string, byte[]> consumer)
    {
        while (_readyToCommit.TryDequeue(out var marks))
        {
            var owned = marks.Where(m => _progress.TryGetValue(m.TopicPartition, out var p) && m.Offset.Value > p.Committed).ToList();
            if (owned.Count == 0) continue;
            try
            {
                consumer.Commit(owned);
                foreach (var mark in owned) _progress[mark.TopicPartition].Committed = mark.Offset.Value;
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning("Offset commit failed: {Reason}", ex.Error.Reason);
            }
        }
    }

    /// <summary>Synchronously: wait for in-flight records, make state durable, commit (revocation and shutdown).</summary>
    private void CheckpointNow(IConsumer<string, byte[]> consumer, IReadOnlyCollection<TopicPartition> partitions)
    {
        _checkpoint?.Wait(TimeSpan.FromSeconds(30));
        CommitReady(consumer);
        var set = partitions.ToHashSet();
        foreach (var tp in set) _progress[tp].WaitAll(TimeSpan.FromSeconds(30));
        FlushAsync((topic, partition) => topic is not null && set.Contains(new TopicPartition(topic, partition)))
            .GetAwaiter().GetResult();
        var marks = set.Where(tp => _progress[tp].CompletedUpTo > _progress[tp].Committed)
            .Select(tp => new TopicPartitionOffset(tp, _progress[tp].CompletedUpTo)).ToList();
        if (marks.Count == 0) return;
        consumer.Commit(marks);
        foreach (var mark in marks) _progress[mark.TopicPartition].Committed = mark.Offset.Value;
    }

    private void OnAssigned(IConsumer<string, byte[]> consumer, List<TopicPartition> partitions)
    {
        var committed = consumer.Committed(partitions, TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset);
        foreach (var tp in partitions)
        {
            var offset = committed.TryGetValue(tp, out var o) && o.Value >= 0 ? o.Value : 0;
            _progress[tp] = new PartitionProgress(offset);
            _ownership.Add(tp.Topic, tp.Partition.Value);
        }
        _logger.LogInformation("Assigned {Count} partitions: {Partitions}", partitions.Count, Describe(partitions));
    }

    private void OnRevoked(IConsumer<string, byte[]> consumer, List<TopicPartitionOffset> revoked)
    {
        var partitions = revoked.Select(r => r.TopicPartition).Where(_progress.ContainsKey).ToList();
        // Still the owner while the records in flight finish and their state is written; only then let go.
        try
        {
            CheckpointNow(consumer, partitions);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Checkpoint on revocation failed; the new owner replays from the last commit");
        }
        foreach (var tp in partitions)
        {
            _ownership.Remove(tp.Topic, tp.Partition.Value);
            _runtime.DeactivatePartitionAsync(tp.Topic, tp.Partition.Value, writeState: true, CancellationToken.None).GetAwaiter().GetResult();
            _progress.Remove(tp);
            _lag.TryRemove(tp, out _);
        }
        _logger.LogInformation("Revoked {Count} partitions: {Partitions}", partitions.Count, Describe(partitions));
    }

    private void OnLost(List<TopicPartitionOffset> lost)
    {
        foreach (var tp in lost.Select(l => l.TopicPartition))
        {
            _ownership.Remove(tp.Topic, tp.Partition.Value);
            // Another silo may own it already: its writes win, ours are fenced by the state version.
            _runtime.DeactivatePartitionAsync(tp.Topic, tp.Partition.Value, writeState: false, CancellationToken.None).GetAwaiter().GetResult();
            _progress.Remove(tp);
            _lag.TryRemove(tp, out _);
        }
        _logger.LogWarning("Lost {Count} partitions", lost.Count);
    }

    private void UpdateLag(IConsumer<string, byte[]> consumer)
    {
        if (_progress.Count == 0) return;
        long total = 0;
        foreach (var tp in _progress.Keys)
        {
            var watermarks = consumer.GetWatermarkOffsets(tp);
            if (watermarks.High.Value < 0) { total = -1; break; }
            var lag = Math.Max(0, watermarks.High.Value - Consumed(consumer, tp));
            _lag[tp] = lag;
            total += lag;
        }
    }

    /// <summary>On shutdown: apply everything already in the log before the final checkpoint.</summary>
    private void Drain(IConsumer<string, byte[]> consumer, TimeSpan limit)
    {
        var deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        var targets = new Dictionary<TopicPartition, long>();
        foreach (var tp in _progress.Keys)
        {
            try
            {
                targets[tp] = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(2)).High.Value;
            }
            catch (KafkaException ex)
            {
                _logger.LogWarning("Cannot read the end of {Partition}: {Reason}", tp, ex.Error.Reason);
            }
        }
        while (Environment.TickCount64 < deadline &&
               targets.Any(t => _progress.ContainsKey(t.Key) && Consumed(consumer, t.Key) < t.Value))
        {
            Step(consumer, TimeSpan.FromMilliseconds(50));
        }
    }

    /// <summary>The next offset to read: the consumer's position, or the committed offset before the first fetch.</summary>
    private long Consumed(IConsumer<string, byte[]> consumer, TopicPartition tp)
    {
        var position = consumer.Position(tp).Value;
        return position >= 0 ? position : _progress[tp].Committed;
    }

    private static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.GroupBy(p => p.Topic).Select(g => $"{g.Key}[{string.Join(",", g.Select(p => p.Partition.Value).Order())}]"));
}
