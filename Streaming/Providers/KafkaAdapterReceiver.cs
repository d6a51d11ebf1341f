using System.Diagnostics;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;
using Personalization.Streaming.Kafka;

namespace Personalization.Streaming.Providers;

/// <summary>
/// One Kafka partition as an Orleans queue. Orleans' balancer, not Kafka's group protocol, decides which silo reads
/// it; the silo's <see cref="KafkaTopicReader"/> fetches it from the group's committed offset into a buffer this
/// receiver drains. Offsets are committed by <see cref="PartitionCheckpoint"/>'s rule only.
/// </summary>
internal sealed partial class KafkaAdapterReceiver(
    KafkaStreamOptions options,
    int partition,
    KafkaTopicReader reader,
    IReadOnlyList<IStreamTap> taps,
    KafkaQueueOwnership ownership,
    IGrainFactory grains,
    ILogger logger) : IQueueAdapterReceiver
{
    private const int MaxReadBatch = 1_000;
    private readonly List<ConsumeResult<string, byte[]>> _drained = new(MaxReadBatch);
    // Per key, the last offset handed to Orleans since the last commit: each record names its predecessor.
    private readonly Dictionary<string, long> _lastByKey = new(StringComparer.Ordinal);
    private PartitionCheckpoint _checkpoint = new(0);
    private bool _reading;
    private long _nextCheckpoint;
    private Task<CheckpointOutcome>? _running;
    private GrainInterfaceType? _consumerInterface;

    public async Task Initialize(TimeSpan timeout)
    {
        var committed = await reader.AssignAsync(partition, timeout).ConfigureAwait(false);
        _checkpoint = new PartitionCheckpoint(committed);
        _reading = true;
        ownership.Report(options.Topic, partition, 0);
        LogStarted(options.Topic, partition, committed);
    }

    public async Task<IList<IBatchContainer>> GetQueueMessagesAsync(int maxCount)
    {
        if (!_reading) return [];
        await CheckpointAsync(force: false);
        if (_checkpoint.InFlight >= options.MaxInFlight) // the grains are behind: let them catch up
        {
            ReportLag();
            return [];
        }
        var limit = maxCount <= 0 ? MaxReadBatch : Math.Min(maxCount, MaxReadBatch);
        _drained.Clear();
        if (reader.Drain(partition, limit, _drained) == 0)
        {
            // Nothing buffered: wait for the next record (a long poll, as the Event Hubs receiver does) rather than
            // return empty and be asked again after the pulling agent's timer period. This method's awaits resume on the
            // agent's scheduler, so it never runs beside the agent's other calls into this receiver (Shutdown).
            await reader.WaitForRecordsAsync(partition, options.ReceiveWait);
            if (!_reading) return [];
            reader.Drain(partition, limit, _drained);
        }
        var batch = new List<IBatchContainer>(_drained.Count);
        foreach (var result in _drained)
        {
            var key = result.Message.Key ?? "";
            var previous = _lastByKey.TryGetValue(key, out var last) ? last : -1;
            _lastByKey[key] = result.Offset.Value;
            var record = ToRecord(result, previous);
            _checkpoint.Read(record.Offset, key, Observe(record));
            batch.Add(new KafkaBatchContainer(record));
        }
        if (batch.Count > 0) KafkaTelemetry.RecordsReceived.Add(batch.Count, new KeyValuePair<string, object?>("topic", options.Topic));
        ReportLag();
        return batch;
    }

    /// <summary>
    /// Kafka's consumer lag: the records past the committed offset, read or not, so a partition shows none only once
    /// every record is applied, durable and committed (records read but still with their grains count too).
    /// </summary>
    private void ReportLag()
    {
        var high = reader.HighWatermark(partition);
        if (high >= 0) ownership.Report(options.Topic, partition, high - _checkpoint.Committed);
    }

    private KafkaRecord ToRecord(ConsumeResult<string, byte[]> result, long previous)
    {
        var (parent, state) = TraceHeaders.Read(result.Message.Headers);
        return new KafkaRecord(reader.Epoch, result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key ?? "",
            result.Message.Value ?? [], result.Message.Timestamp.UtcDateTime, parent, state, previous);
    }

    private Task? Observe(KafkaRecord record)
    {
        Task? all = null;
        foreach (var tap in taps)
        {
            Task? tapped;
            try
            {
                tapped = tap.Observe(record);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or FormatException)
            {
                LogUnreadable(ex, record.Topic, record.Partition, record.Offset);
                continue;
            }
            if (tapped is not null) all = all is null ? tapped : Task.WhenAll(all, tapped);
        }
        return all;
    }

    public async Task MessagesDeliveredAsync(IList<IBatchContainer> messages)
    {
        foreach (var message in messages)
            if (message is KafkaBatchContainer container) _checkpoint.Delivered(container.Record.Offset);
        await CheckpointAsync(force: false).ConfigureAwait(false);
    }

    /// <summary>
    /// At most once per interval: asks every grain that got records before the committable offset to make its state
    /// durable and confirm it holds them, flushes the taps, and commits. A grain whose state lost records (its silo
    /// died before writing them) says no: the partition is read again from the last commit, and grains skip what
    /// they hold. The grains' writes take a while, so the checkpoint runs beside the reading: a later call finishes it
    /// (on the agent's turn, where this receiver's state changes), and only a forced one waits for it.
    /// </summary>
    private async Task CheckpointAsync(bool force)
    {
        if (!_reading) return;
        if (_running is not null && (_running.IsCompleted || force)) await FinishRunningAsync().ConfigureAwait(false);
        if (_running is not null || (!force && Environment.TickCount64 < _nextCheckpoint)) return;
        _nextCheckpoint = Environment.TickCount64 + (long)options.CheckpointInterval.TotalMilliseconds;
        var upTo = _checkpoint.Committable();
        if (upTo <= _checkpoint.Committed) return;
        _running = RunCheckpointAsync(upTo, _checkpoint.KeysBefore(upTo));
        if (force) await FinishRunningAsync().ConfigureAwait(false);
    }

    /// <summary>The part of a checkpoint that waits: the grains' confirmations, the taps' flush, the commit.</summary>
    private async Task<CheckpointOutcome> RunCheckpointAsync(long upTo, Dictionary<string, long> keys)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            // GetGrain<T> resolves T's interface type through reflection per call; a checkpoint asks every key it covers.
            var consumer = _consumerInterface ??= ((GrainReference)grains.GetGrain<IKafkaStreamConsumerGrain>(
                GrainId.Create(options.ConsumerGrainType, "resolve"))).InterfaceType;
            var confirmations = await Task.WhenAll(keys.Select(k =>
                ((IKafkaStreamConsumerGrain)grains.GetGrain(GrainId.Create(options.ConsumerGrainType, k.Key), consumer))
                    .CheckpointAsync(reader.Epoch, partition, k.Value))).ConfigureAwait(false);
            var lost = confirmations.Count(held => !held);
            if (lost > 0) return new CheckpointOutcome(upTo, lost, Committed: false);
            foreach (var tap in taps) await tap.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await reader.CommitAsync(partition, upTo).ConfigureAwait(false);
            KafkaTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("topic", options.Topic));
            KafkaTelemetry.CheckpointMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return new CheckpointOutcome(upTo, 0, Committed: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing is lost: the offset stays where it was and the next checkpoint tries again.
            LogCheckpointFailed(ex, options.Topic, partition);
            return new CheckpointOutcome(upTo, 0, Committed: false);
        }
    }

    /// <summary>Waits for the running checkpoint and applies its outcome to this receiver's state.</summary>
    private async Task FinishRunningAsync()
    {
        var outcome = await _running!.ConfigureAwait(false);
        _running = null;
        if (outcome.LostGrains > 0)
        {
            await RewindAsync(outcome.LostGrains).ConfigureAwait(false);
            return;
        }
        if (!outcome.Committed) return;
        _checkpoint.CommittedUpTo(outcome.UpTo);
        foreach (var (key, last) in _lastByKey.ToList())
            if (last < outcome.UpTo) _lastByKey.Remove(key);
    }

    private readonly record struct CheckpointOutcome(long UpTo, int LostGrains, bool Committed);

    private async Task RewindAsync(int lostGrains)
    {
        var from = _checkpoint.Committed;
        LogRewind(options.Topic, partition, lostGrains, from);
        await reader.RewindAsync(partition, from).ConfigureAwait(false);
        _checkpoint = new PartitionCheckpoint(from);
        _lastByKey.Clear();
    }

    public async Task Shutdown(TimeSpan timeout)
    {
        await CheckpointAsync(force: true).ConfigureAwait(false);
        if (!_reading) return;
        _reading = false;
        ownership.Release(options.Topic, partition);
        try
        {
            await reader.UnassignAsync(partition).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            // The silo's reader closed first (its services stopped under the agents): no partition left to unassign.
        }
        LogStopped(options.Topic, partition, _checkpoint.Committed);
    }

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "{Count} grains of {Topic}/{Partition} lost records they had applied (their silo died?); reading again from offset {Offset}")]
    private partial void LogRewind(string topic, int partition, int count, long offset);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "A tap could not read {Topic}/{Partition}@{Offset}; it skips the record")]
    private partial void LogUnreadable(Exception exception, string topic, int partition, long offset);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Reading {Topic}/{Partition} from offset {Offset}")]
    private partial void LogStarted(string topic, int partition, long offset);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stopped reading {Topic}/{Partition}; committed up to {Offset}")]
    private partial void LogStopped(string topic, int partition, long offset);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Checkpoint of {Topic}/{Partition} failed; the offset stays and the next checkpoint tries again")]
    private partial void LogCheckpointFailed(Exception exception, string topic, int partition);
}
