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
/// Base of grains fed by a Kafka stream through an implicit subscription. Each batch of records is applied once:
/// records the state already holds are skipped, the rest are applied, and the state (with its new position) is
/// written before the batch is acknowledged, so the offset committed after it never runs ahead of durable state.
/// </summary>
/// <typeparam name="TState">The grain's state.</typeparam>
public abstract partial class StreamFedGrain<TState>(IPersistentState<TState> state, ILogger logger)
    : Grain, IStreamSubscriptionObserver, IAsyncBatchObserver<KafkaRecord>
    where TState : class, IStreamFedState, new()
{
    /// <summary>The grain's state.</summary>
    protected TState State => state.State;

    /// <summary>True when no stored state existed at activation.</summary>
    protected bool IsNewState => !state.RecordExists;

    /// <summary>Applies one record to <see cref="State"/>; throws a format exception for an unreadable one.</summary>
    protected abstract void Apply(KafkaRecord record);

    /// <inheritdoc />
    public Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory) =>
        handleFactory.Create<KafkaRecord>().ResumeAsync(this);

    /// <inheritdoc />
    public async Task OnNextAsync(IList<SequentialItem<KafkaRecord>> items)
    {
        var applied = 0;
        List<Activity>? spans = null;
        var outside = Activity.Current;
        foreach (var item in items)
        {
            var record = item.Item;
            if (State.Position.Covers(record)) continue; // a replay of what the durable state holds
            var span = record.StartProcessActivity();
            if (span is not null) (spans ??= []).Add(span);
            try
            {
                Apply(record);
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidDataException or FormatException)
            {
                // An unreadable record would stall its stream forever: log it and move on.
                LogPoison(ex, record.Topic, record.Partition, record.Offset, record.Key);
                span?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            }
            State.Position.Advance(record);
            applied++;
            if (span is not null) Activity.Current = outside; // the next record's span is not this one's child
        }
        try
        {
            if (applied > 0) await WriteDurablyAsync();
        }
        finally
        {
            if (spans is not null) foreach (var span in spans) span.Dispose();
        }
    }

    /// <summary>
    /// Writes the state, retrying a failing store for as long as it takes: acknowledging the batch without its
    /// state durable could lose it, and failing it would let later records of the stream overtake it. A write
    /// rejected because another activation wrote newer state drops this activation; the redelivery reloads.
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

    [LoggerMessage(EventId = 101, Level = LogLevel.Error, Message = "Record {Topic}/{Partition}@{Offset} (key {Key}) is unreadable and was skipped")]
    private partial void LogPoison(Exception exception, string topic, int partition, long offset, string key);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Writing the grain's state failed (attempt {Attempt}); retrying")]
    private partial void LogWriteRetry(Exception exception, int attempt);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Stream error")]
    private partial void LogStreamError(Exception exception);
}
