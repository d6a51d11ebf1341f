using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Personalization.Runtime.Hosting;
using Personalization.Runtime.Placement;

namespace Personalization.Runtime.Activation;

/// <summary>
/// The activation catalog of one silo: activates grains on first call, runs each grain's calls one at a
/// time, delivers stream records exactly once per durable state, writes dirty state in batches and
/// deactivates grains when they idle or their partition moves away.
/// </summary>
public sealed class GrainRuntime : IGrainFactory
{
    /// <summary>Name of the runtime's meter and activity source.</summary>
    public const string TelemetryName = "Personalization.Runtime";

    internal static readonly ActivitySource Activities = new(TelemetryName);
    private static readonly Meter Meter = new(TelemetryName);
    private static readonly Counter<long> Activations = Meter.CreateCounter<long>("grain.activations");
    private static readonly Counter<long> Deactivations = Meter.CreateCounter<long>("grain.deactivations");
    private static readonly Histogram<double> CheckpointMs = Meter.CreateHistogram<double>("grain.checkpoint.duration", "ms");

    private readonly ConcurrentDictionary<GrainId, ActivationData> _activations = new();
    private readonly ConcurrentDictionary<(Type, string), object> _references = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly IServiceProvider _services;
    private readonly GrainTypeRegistry _types;
    private readonly IGrainStorage _storage;
    private readonly PartitionOwnership _ownership;
    private readonly ILogger<GrainRuntime> _logger;
    private readonly int _partitions;

    /// <summary>Creates the runtime.</summary>
    public GrainRuntime(IServiceProvider services, GrainTypeRegistry types, IGrainStorage storage,
        PartitionOwnership ownership, Kafka.KafkaOptions kafka, ILogger<GrainRuntime> logger)
    {
        _services = services;
        _types = types;
        _storage = storage;
        _ownership = ownership;
        _logger = logger;
        _partitions = kafka.Partitions;
        Meter.CreateObservableGauge("grain.activations.active", () => _activations.Count);
    }

    /// <summary>The incarnation of the log that applied offsets refer to; set before consumption starts.</summary>
    public string LogEpoch { get; set; } = "";

    /// <summary>Topics that place grains.</summary>
    public IEnumerable<string> StreamTopics => _types.StreamTopics;

    /// <summary>Number of live activations.</summary>
    public int ActivationCount => _activations.Count;

    /// <inheritdoc />
    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return (TGrain)_references.GetOrAdd((typeof(TGrain), key), static (k, runtime) =>
        {
            var registration = runtime._types.ForInterface(k.Item1);
            return GrainProxy.Create<TGrain>(runtime, new GrainId(registration.Name, k.Item2));
        }, this);
    }

    /// <summary>The partition a grain lives in, or null for grains no stream places.</summary>
    public (string Topic, int Partition)? PlacementOf(GrainId grainId)
    {
        var topic = _types.ForName(grainId.Type).StreamTopic;
        return topic is null ? null : (topic, Murmur2Partitioner(grainId.Key));
    }

    private int Murmur2Partitioner(string key) => Kafka.Murmur2Partitioner.Partition(key, _partitions);

    /// <summary>Runs <paramref name="call"/> in the grain's turn, activating it first if needed.</summary>
    internal Task<T> InvokeAsync<T>(GrainId grainId, Func<Grain, Task<T>> call, CancellationToken cancellationToken) =>
        InvokeAsync(grainId, null, call, cancellationToken);

    /// <summary>
    /// Runs <paramref name="call"/> (the grain method <paramref name="method"/>) in the grain's turn, in a
    /// span that is a child of the caller's (the request's), when anything listens.
    /// </summary>
    internal async Task<T> InvokeAsync<T>(GrainId grainId, string? method, Func<Grain, Task<T>> call, CancellationToken cancellationToken)
    {
        using var span = Activities.HasListeners() ? Activities.StartActivity(method is null ? "grain.call" : $"{grainId.Type}/{method}") : null;
        span?.SetTag("grain.id", grainId.ToString());
        try
        {
            return await InvokeWithActivationAsync(grainId, activation => call(activation.Grain), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (span is not null)
        {
            span.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    /// <summary>
    /// Delivers a stream record to its grain unless the grain's durable state already includes it.
    /// Returns false when the record was skipped as already applied.
    /// </summary>
    internal Task<bool> DeliverAsync(GrainId grainId, EventEnvelope envelope, CancellationToken cancellationToken) =>
        InvokeWithActivationAsync(grainId, async activation =>
        {
            if (envelope.Offset <= activation.AppliedOffset) return false;
            await ((IEventSink)activation.Grain).ApplyAsync(envelope, cancellationToken).ConfigureAwait(false);
            activation.AppliedOffset = envelope.Offset;
            activation.Stateful?.MarkChanged();
            return true;
        }, cancellationToken);

    private async Task<T> InvokeWithActivationAsync<T>(GrainId grainId, Func<ActivationData, Task<T>> call, CancellationToken cancellationToken)
    {
        while (true)
        {
            var activation = GetOrCreateActivation(grainId);
            await activation.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (activation.Status == ActivationStatus.Deactivated) continue;
                if (activation.Status == ActivationStatus.Created) await ActivateAsync(activation, cancellationToken).ConfigureAwait(false);
                activation.LastUsedTicks = Environment.TickCount64;
                return await call(activation).ConfigureAwait(false);
            }
            finally
            {
                activation.Gate.Release();
            }
        }
    }

    private ActivationData GetOrCreateActivation(GrainId grainId)
    {
        if (_activations.TryGetValue(grainId, out var existing)) return existing;
        var registration = _types.ForName(grainId.Type);
        var partition = -1;
        if (registration.StreamTopic is { } topic)
        {
            partition = Murmur2Partitioner(grainId.Key);
            if (!_ownership.Owns(topic, partition)) throw new GrainNotOwnedException(grainId, topic, partition);
        }
        var grain = (Grain)ActivatorUtilities.CreateInstance(_services, registration.Implementation);
        grain.Attach(new GrainActivationContext(grainId, this));
        var created = new ActivationData(grainId, registration.StreamTopic, partition, grain);
        return _activations.GetOrAdd(grainId, created);
    }

    private async Task ActivateAsync(ActivationData activation, CancellationToken cancellationToken)
    {
        using var span = Activities.StartActivity("grain.activate");
        span?.SetTag("grain.id", activation.GrainId.ToString());
        try
        {
            if (activation.Stateful is { } stateful)
            {
                var record = await _storage.ReadAsync(activation.GrainId, cancellationToken).ConfigureAwait(false);
                if (record is not null)
                {
                    stateful.LoadState(record.Payload);
                    activation.Version = record.Version;
                    // Offsets of another log incarnation mean nothing here: replay this log from its start.
                    activation.AppliedOffset = record.LogEpoch == LogEpoch ? record.AppliedOffset : -1;
                }
                activation.PersistedStamp = stateful.ChangeStamp;
            }
            await activation.Grain.OnActivateAsync(cancellationToken).ConfigureAwait(false);
            activation.Status = ActivationStatus.Active;
            Activations.Add(1);
        }
        catch
        {
            activation.Status = ActivationStatus.Deactivated;
            _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
            throw;
        }
    }

    /// <summary>
    /// Writes the state of every dirty activation that matches <paramref name="filter"/> in one batch.
    /// After it returns, every record applied before the call is durable.
    /// </summary>
    public async Task<int> CheckpointAsync(Func<string?, int, bool>? filter, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var started = Stopwatch.GetTimestamp();
            var snapshots = new List<(ActivationData Activation, GrainStateWrite Write, long Stamp)>();
            foreach (var activation in _activations.Values)
            {
                if (!activation.IsDirty || (filter is not null && !filter(activation.Topic, activation.Partition))) continue;
                await activation.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (activation.Status != ActivationStatus.Active || !activation.IsDirty) continue;
                    snapshots.Add((activation, Snapshot(activation), activation.Stateful!.ChangeStamp));
                }
                finally
                {
                    activation.Gate.Release();
                }
            }
            if (snapshots.Count == 0) return 0;
            try
            {
                await _storage.WriteAsync(snapshots.Select(s => s.Write).ToList(), cancellationToken).ConfigureAwait(false);
            }
            catch (InconsistentStateException conflict)
            {
                Drop(conflict.GrainId);
                throw;
            }
            foreach (var (activation, write, stamp) in snapshots)
            {
                activation.Version = write.ExpectedVersion + 1;
                activation.PersistedStamp = stamp;
            }
            CheckpointMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return snapshots.Count;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private GrainStateWrite Snapshot(ActivationData activation) =>
        new(activation.GrainId, activation.Stateful!.SerializeState(), activation.Version, LogEpoch, activation.AppliedOffset);

    /// <summary>Deactivates the activations matching <paramref name="filter"/>, writing changed state first.</summary>
    internal async Task<int> DeactivateAsync(Func<ActivationData, bool> filter, DeactivationReason reason, bool writeState, CancellationToken cancellationToken)
    {
        var count = 0;
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var activation in _activations.Values.Where(filter).ToList())
            {
                await activation.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (activation.Status == ActivationStatus.Deactivated) continue;
                    if (activation.Status == ActivationStatus.Active)
                    {
                        try
                        {
                            await activation.Grain.OnDeactivateAsync(reason, cancellationToken).ConfigureAwait(false);
                        }
                        catch (Exception ex)
                        {
                            _logger.LogWarning(ex, "OnDeactivateAsync of {GrainId} failed", activation.GrainId);
                        }
                        if (writeState && activation.IsDirty)
                        {
                            var write = Snapshot(activation);
                            await _storage.WriteAsync([write], cancellationToken).ConfigureAwait(false);
                        }
                    }
                    activation.Status = ActivationStatus.Deactivated;
                    _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
                    Deactivations.Add(1);
                    count++;
                }
                catch (InconsistentStateException ex)
                {
                    _logger.LogWarning(ex, "Dropping {GrainId}: its state was written elsewhere", activation.GrainId);
                    activation.Status = ActivationStatus.Deactivated;
                    _activations.TryRemove(new KeyValuePair<GrainId, ActivationData>(activation.GrainId, activation));
                }
                finally
                {
                    activation.Gate.Release();
                }
            }
        }
        finally
        {
            _writeLock.Release();
        }
        return count;
    }

    /// <summary>Deactivates activations idle longer than <paramref name="idleTimeout"/>.</summary>
    public Task<int> CollectIdleAsync(TimeSpan idleTimeout, CancellationToken cancellationToken)
    {
        var threshold = Environment.TickCount64 - (long)idleTimeout.TotalMilliseconds;
        return DeactivateAsync(a => a.LastUsedTicks <= threshold, DeactivationReason.Idle, writeState: true, cancellationToken);
    }

    /// <summary>Deactivates every activation (silo shutdown), writing changed state.</summary>
    public Task<int> DeactivateAllAsync(CancellationToken cancellationToken) =>
        DeactivateAsync(_ => true, DeactivationReason.ShuttingDown, writeState: true, cancellationToken);

    /// <summary>Deactivates every grain of a partition (after it was checkpointed or lost).</summary>
    public Task<int> DeactivatePartitionAsync(string topic, int partition, bool writeState, CancellationToken cancellationToken) =>
        DeactivateAsync(a => a.Topic == topic && a.Partition == partition,
            writeState ? DeactivationReason.PartitionRevoked : DeactivationReason.StateConflict, writeState, cancellationToken);

    private void Drop(GrainId grainId)
    {
        _logger.LogWarning("State of {GrainId} was written by another silo; dropping the local activation", grainId);
        if (_activations.TryRemove(grainId, out var activation)) activation.Status = ActivationStatus.Deactivated;
    }
}
