using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using Orleans.Streams.Core;
using Personalization.Streaming.Providers;

namespace Personalization.Grains.Streams;

/// <summary>State of a grain fed by a Kafka stream: it carries the position of what it holds.</summary>
public interface IStreamFedState
{
    /// <summary>The stream records this state holds.</summary>
    StreamPosition Position { get; }
}

/// <summary>
/// Base of grains fed by a Kafka stream through an implicit subscription. Records are applied once, in memory: a
/// record the state already holds is skipped, and a record whose predecessor (same key, same partition) the state
/// does not hold waits for the replay. The state is written when the partition's receiver checkpoints
/// (<see cref="CheckpointAsync"/>), so one write covers every record a grain got in a checkpoint interval, and an
/// offset is committed only after every grain confirmed its durable state holds the records before it.
/// </summary>
/// <typeparam name="TState">The grain's state.</typeparam>
public abstract partial class StreamFedGrain<TState>(IPersistentState<TState> state, IDeadLetterSink deadLetters, ILogger logger)
    : Grain, IStreamSubscriptionObserver, IAsyncBatchObserver<KafkaRecord>, IKafkaStreamConsumerGrain
    where TState : class, IStreamFedState, new()
{
    /// <summary>The grain's state.</summary>
    protected TState State => state.State;

    private bool _dirty;

    /// <summary>
    /// Applies one record to <see cref="State"/>; throws for one it cannot apply (unreadable, or invalid), before it
    /// changes the state, and the record goes to the dead-letter topic.
    /// </summary>
    protected abstract void Apply(KafkaRecord record);

    /// <summary>Called once after a delivery applied at least one record: work that one record at a time would repeat.</summary>
    protected virtual void Applied()
    {
    }

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<KafkaRecord>().ResumeAsync(this);

    /// <inheritdoc />
    public Task OnNextAsync(IList<SequentialItem<KafkaRecord>> items)
    {
        var (next, applied, failure) = ApplyFrom(items, 0);
        if (failure is not null) return DeadLetterAndContinueAsync(items, next, applied, failure);
        if (applied) Applied();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Applies the records from <paramref name="start"/> on until one fails; returns where it stopped (the failed
    /// record's index) and the failure, or the end and null.
    /// </summary>
    private (int Next, bool Applied, Exception? Failure) ApplyFrom(IList<SequentialItem<KafkaRecord>> items, int start)
    {
        var outside = Activity.Current;
        var applied = false;
        for (var i = start; i < items.Count; i++)
        {
            var record = items[i].Item;
            if (State.Position.Covers(record)) continue; // a replay of what the state holds
            // The state lost this record's predecessor (its silo died before the checkpoint wrote it): applying it would put
            // the position past the lost one. It waits: the receiver's checkpoint finds the gap and replays the partition.
            if (record.PreviousOffset >= 0 && !State.Position.Covers(record.Epoch, record.Partition, record.PreviousOffset)) continue;
            using var span = record.StartProcessActivity();
            try
            {
                Apply(record);
            }
            catch (Exception ex)
            {
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
                if (span is not null) Activity.Current = outside;
                return (i, applied, ex);
            }
            State.Position.Advance(record);
            _dirty = applied = true;
            if (span is not null) Activity.Current = outside; // the next record's span is not this one's child
        }
        return (items.Count, applied, null);
    }

    /// <summary>
    /// A record that cannot be applied would stall its stream forever (each redelivery fails the same way: applying is
    /// in-memory and deterministic, so it is not retried). It goes to the dead-letter topic, and the state moves past it.
    /// Writing the dead letter is retried; when Kafka never takes it, the delivery fails and Orleans redelivers it.
    /// </summary>
    private async Task DeadLetterAndContinueAsync(IList<SequentialItem<KafkaRecord>> items, int failed, bool applied, Exception failure)
    {
        while (true)
        {
            var record = items[failed].Item;
            await deadLetters.WriteAsync(record, this.GetGrainId().Type.ToString(), failure);
            State.Position.Advance(record);
            _dirty = true;
            var (next, more, nextFailure) = ApplyFrom(items, failed + 1);
            applied |= more;
            if (nextFailure is null) break;
            (failed, failure) = (next, nextFailure);
        }
        if (applied) Applied();
    }

    /// <inheritdoc />
    public async Task<bool> CheckpointAsync(string epoch, int partition, long offset)
    {
        if (_dirty)
        {
            await WriteDurablyAsync();
            _dirty = false;
        }
        return State.Position.Covers(epoch, partition, offset);
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Best effort: what is not written here is replayed, because the receiver's next checkpoint finds it missing.
        if (_dirty)
        {
            try
            {
                await state.WriteStateAsync(cancellationToken);
                _dirty = false;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeactivationWriteFailed(ex);
            }
        }
        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>
    /// Writes the state, retrying a failing store for as long as it takes (the receiver's commit waits). A write
    /// rejected because another activation wrote newer state drops this activation; the receiver replays.
    /// </summary>
    private async Task WriteDurablyAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await state.WriteStateAsync();
                return;
            }
            catch (Orleans.Storage.InconsistentStateException)
            {
                DeactivateOnIdle();
                throw;
            }
            catch (Exception ex)
            {
                LogWriteRetry(ex, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * attempt)));
            }
        }
    }

    /// <inheritdoc />
    public Task OnCompletedAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(ex);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Writing the grain's state failed (attempt {Attempt}); retrying")]
    private partial void LogWriteRetry(Exception exception, int attempt);

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Writing the grain's state on deactivation failed; the partition's next checkpoint finds the records missing and replays them")]
    private partial void LogDeactivationWriteFailed(Exception exception);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Stream error")]
    private partial void LogStreamError(Exception exception);
}
