using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;
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
    ILogger logger) : IQueueAdapterReceiver
{
    private const int MaxReadBatch = 1_000;
    private readonly List<ConsumeResult<string, byte[]>> _drained = new(MaxReadBatch);
    private PartitionCheckpoint _checkpoint = new(0);
    private bool _reading;
    private long _nextCheckpoint;

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
        await CheckpointAsync(force: false).ConfigureAwait(false);
        if (_checkpoint.InFlight >= options.MaxInFlight) return []; // the grains are behind: let them catch up
        var limit = maxCount <= 0 ? MaxReadBatch : Math.Min(maxCount, MaxReadBatch);
        _drained.Clear();
        reader.Drain(partition, limit, _drained);
        var batch = new List<IBatchContainer>(_drained.Count);
        foreach (var result in _drained)
        {
            var record = ToRecord(result);
            _checkpoint.Read(record.Offset, Observe(record));
            batch.Add(new KafkaBatchContainer(record));
        }
        if (batch.Count > 0) KafkaTelemetry.RecordsReceived.Add(batch.Count, new KeyValuePair<string, object?>("topic", options.Topic));
        var high = reader.HighWatermark(partition);
        if (high >= 0) ownership.Report(options.Topic, partition, high - _checkpoint.Position);
        return batch;
    }

    private KafkaRecord ToRecord(ConsumeResult<string, byte[]> result)
    {
        string? parent = null, state = null;
        if (result.Message.Headers is { } headers)
        {
            if (headers.TryGetLastBytes(TraceHeaders.TraceParent, out var p) && p.Length is > 0 and <= 128) parent = Encoding.ASCII.GetString(p);
            if (headers.TryGetLastBytes(TraceHeaders.TraceState, out var s) && s.Length is > 0 and <= 512) state = Encoding.ASCII.GetString(s);
        }
        return new KafkaRecord(reader.Epoch, result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key ?? "",
            result.Message.Value ?? [], result.Message.Timestamp.UtcDateTime, parent, state);
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

    /// <summary>Flushes the taps and commits the offset after the last record done, at most once per interval.</summary>
    private async Task CheckpointAsync(bool force)
    {
        if (!_reading) return;
        if (!force && Environment.TickCount64 < _nextCheckpoint) return;
        _nextCheckpoint = Environment.TickCount64 + (long)options.CheckpointInterval.TotalMilliseconds;
        var upTo = _checkpoint.Committable();
        if (upTo <= _checkpoint.Committed) return;
        var started = Stopwatch.GetTimestamp();
        try
        {
            foreach (var tap in taps) await tap.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await reader.CommitAsync(partition, upTo).ConfigureAwait(false);
            _checkpoint.CommittedUpTo(upTo);
            KafkaTelemetry.Commits.Add(1, new KeyValuePair<string, object?>("topic", options.Topic));
            KafkaTelemetry.CheckpointMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (Exception ex) when (ex is KafkaException or IOException or InvalidOperationException or TimeoutException or System.Data.Common.DbException)
        {
            // Nothing is lost: the offset stays where it was and the records after it are replayed if needed.
            LogCheckpointFailed(ex, options.Topic, partition);
        }
    }

    public async Task Shutdown(TimeSpan timeout)
    {
        await CheckpointAsync(force: true).ConfigureAwait(false);
        if (!_reading) return;
        _reading = false;
        ownership.Release(options.Topic, partition);
        await reader.UnassignAsync(partition).ConfigureAwait(false);
        LogStopped(options.Topic, partition, _checkpoint.Committed);
    }

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "A tap could not read {Topic}/{Partition}@{Offset}; it skips the record")]
    private partial void LogUnreadable(Exception exception, string topic, int partition, long offset);

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Reading {Topic}/{Partition} from offset {Offset}")]
    private partial void LogStarted(string topic, int partition, long offset);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Stopped reading {Topic}/{Partition}; committed up to {Offset}")]
    private partial void LogStopped(string topic, int partition, long offset);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Checkpoint of {Topic}/{Partition} failed; the offset stays and later records will be replayed if needed")]
    private partial void LogCheckpointFailed(Exception exception, string topic, int partition);
}
