using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Storage;

namespace Personalization.Storage.Grains;

/// <summary>
/// Orleans grain storage over <see cref="IGrainStateStore"/> that commits the concurrent writes of many grains in
/// one transaction (group commit). A stream-fed grain writes its state before it acknowledges a batch of records,
/// so every record costs a durable write; batching those writes keeps one round trip per batch of grains instead
/// of one per event. Every write is conditional on the version read (the ETag): a stale activation gets
/// <see cref="InconsistentStateException"/> and its write changes nothing.
/// </summary>
public sealed partial class GroupCommitGrainStorage : IGrainStorage, IDisposable
{
    private static readonly Meter Meter = new("Personalization.Storage");
    private static readonly Histogram<long> BatchSize = Meter.CreateHistogram<long>("grain_storage.batch.size", description: "Grain writes per committed transaction");
    private static readonly Histogram<double> CommitMs = Meter.CreateHistogram<double>("grain_storage.commit.duration", "ms");

    private readonly string _name;
    private readonly IGrainStateStore _store;
    private readonly GroupCommitGrainStorageOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<PendingWrite> _queue = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = false });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task[] _writers;

    /// <summary>Creates the storage named <paramref name="name"/>.</summary>
    public GroupCommitGrainStorage(string name, IGrainStateStore store, GroupCommitGrainStorageOptions options, ILogger<GroupCommitGrainStorage> logger)
    {
        _name = name;
        _store = store;
        _options = options;
        _logger = logger;
        _writers = Enumerable.Range(0, Math.Max(1, options.Writers)).Select(_ => Task.Run(() => WriteLoopAsync(_stopping.Token))).ToArray();
    }

    private static GrainKey KeyOf(string stateName, GrainId grainId) => new(stateName, grainId.Key.ToString()!);

    /// <inheritdoc />
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var record = await _store.ReadAsync(KeyOf(stateName, grainId), CancellationToken.None).ConfigureAwait(false);
        if (record is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = JsonSerializer.Deserialize<T>(record.Payload, _options.SerializerOptions) ?? Activator.CreateInstance<T>();
        grainState.ETag = record.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var expected = grainState.ETag is { } etag ? long.Parse(etag, CultureInfo.InvariantCulture) : 0;
        var payload = JsonSerializer.SerializeToUtf8Bytes(grainState.State, _options.SerializerOptions);
        var pending = new PendingWrite(new GrainStateWrite(KeyOf(stateName, grainId), payload, expected));
        if (!_queue.Writer.TryWrite(pending)) throw new ObjectDisposedException(nameof(GroupCommitGrainStorage));
        await pending.Done.Task.ConfigureAwait(false);
        grainState.ETag = (expected + 1).ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc />
    /// <remarks>Stream-fed grains never clear their state (it holds their stream position); clearing writes an empty state.</remarks>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        grainState.State = Activator.CreateInstance<T>();
        return WriteStateAsync(stateName, grainId, grainState);
    }

    private async Task WriteLoopAsync(CancellationToken stopping)
    {
        var batch = new List<PendingWrite>(_options.MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                // Everything that queued while the last transaction ran goes into the next one.
                while (batch.Count < _options.MaxBatch && _queue.Reader.TryRead(out var next)) batch.Add(next);
                await CommitAsync(batch).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        while (_queue.Reader.TryRead(out var left)) left.Done.TrySetException(new ObjectDisposedException(nameof(GroupCommitGrainStorage)));
    }

    private async Task CommitAsync(List<PendingWrite> batch)
    {
        var started = Stopwatch.GetTimestamp();
        while (batch.Count > 0)
        {
            try
            {
                await _store.WriteAsync(batch.Select(p => p.Write).ToList(), CancellationToken.None).ConfigureAwait(false);
                foreach (var pending in batch) pending.Done.TrySetResult();
                BatchSize.Record(batch.Count);
                CommitMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                return;
            }
            catch (GrainStateConflictException conflict)
            {
                // One stale writer must not fail the others: reject it and commit the rest.
                var index = batch.FindIndex(p => p.Write.Grain == conflict.Grain);
                if (index < 0) index = 0;
                var rejected = batch[index];
                batch.RemoveAt(index);
                LogConflict(_name, rejected.Write.Grain.ToString());
                rejected.Done.TrySetException(new InconsistentStateException(conflict.Message, "unknown",
                    rejected.Write.ExpectedVersion.ToString(CultureInfo.InvariantCulture)));
            }
            catch (Exception ex)
            {
                // The store is unreachable or failed: each grain retries its own write.
                LogCommitFailed(ex, _name, batch.Count);
                foreach (var pending in batch) pending.Done.TrySetException(ex);
                return;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        try
        {
            Task.WaitAll(_writers, TimeSpan.FromSeconds(10));
        }
        catch (AggregateException)
        {
        }
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private sealed class PendingWrite(GrainStateWrite write)
    {
        public GrainStateWrite Write { get; } = write;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Grain storage {Name}: the write of {Grain} was rejected: another activation wrote newer state")]
    private partial void LogConflict(string name, string grain);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Grain storage {Name}: committing {Count} writes failed")]
    private partial void LogCommitFailed(Exception exception, string name, int count);
}
