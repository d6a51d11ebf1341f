using Personalization.Contracts;
using System.Text.Json;
using Personalization.Grains.Items;
using Personalization.Streaming.Kafka;
using Personalization.Streaming.Providers;

namespace Personalization.Grains.Streams;

/// <summary>
/// Re-keys each interaction by item onto <see cref="StreamTopics.ItemEvents"/>, in log order, so item
/// grains are placed by the item's partition (Kafka Streams' repartition step). The source offset is
/// committed only after the copy is acknowledged.
/// </summary>
/// <remarks>
/// An impression or click with <c>context.artworkId</c> also carries the user's artwork features, asked of the user's
/// grain (the tap runs where the user's partition is read), so the item's bandit learns from the
/// context the choice was made in. An event with signal also carries the user's live vector from the silo's <see cref="Users.UserVectorBoard"/>, for
/// the item grain's share of the ALS step.
/// </remarks>
public sealed class ItemEventRepartitioner(EventProducer producer, KeyedGrains<IUserGrain> users, Signals.SignalPolicy signals, Users.UserVectorBoard userVectors)
    : IStreamTap
{
    /// <inheritdoc />
    public string Topic => StreamTopics.Interactions;

    /// <inheritdoc />
    public Task? Observe(KafkaRecord record)
    {
        var e = JsonSerializer.Deserialize(record.Payload, GrainsJsonContext.Default.InteractionEvent);
        if (e is null) return null;
        var copy = new ItemEvent
        {
            ItemId = e.ItemId, UserId = e.UserId, Type = e.Type, Value = e.Value, Timestamp = e.Timestamp ?? record.Timestamp,
            SourcePartition = record.Partition, SourceOffset = record.Offset, EventId = e.EventId,
            Weight = signals.Weight(e.Type, e.Value, Signals.SignalPolicy.DurationOf(e.Context)),
        };
        // Only from the board: asking the user's grain for every miss (a grain activated elsewhere, by a read) would put
        // a grain call on the event path, and during a failover those calls pile up behind a dead silo. A miss leaves
        // the vector out: the item counts the event, and its live vector goes without this user.
        if (copy.Weight != 0f && userVectors.Find(e.UserId) is { } vector)
            copy = copy with { UserVector = vector.Vector, UserVectorModel = vector.ModelVersion };
        var artwork = e.Type is InteractionType.Impression or InteractionType.Click ? e.Context?.GetValueOrDefault("artworkId") : null;
        if (artwork is null && _handedOff.IsCompleted) return Produce(copy);
        // Copies must reach item-events in log order (item grains drop an offset at or below one they applied), so
        // while a copy waits for its user's features, later ones queue behind it until it is handed to the producer.
        var before = _handedOff;
        var handedOff = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _handedOff = handedOff.Task;
        return ProduceInOrderAsync(before, handedOff, artwork is null ? copy : copy with { ArtworkId = artwork });
    }

    // Observe is called by one consumer loop, in log order: completes once every copy observed so far was handed to the producer.
    private Task _handedOff = Task.CompletedTask;

    private async Task ProduceInOrderAsync(Task before, TaskCompletionSource handedOff, ItemEvent copy)
    {
        Task<long> acknowledged;
        try
        {
            if (copy.ArtworkId is not null && await ArtworkContextAsync(copy.UserId) is { Length: > 0 } context)
                copy = copy with { ArtworkContext = context };
            await before;
            acknowledged = Produce(copy);
        }
        finally
        {
            handedOff.TrySetResult();
        }
        await acknowledged;
    }

    // How long a copy waits for its user's grain (whose silo may have just died) before it goes without the detail.
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(5);

    // The user's artwork features, asked of the user's grain. Whatever goes wrong with the call (the grain's silo died,
    // the call was cancelled or timed out), the copy must still be produced: a tap task that faults never lets the
    // source offset commit, and the item would miss the event. Without them the item still counts the event; only its
    // artwork bandit misses this user.
    private async Task<float[]> ArtworkContextAsync(string userId)
    {
        try
        {
            return await users.Get(userId).GetArtworkContextAsync().WaitAsync(AskTimeout).ConfigureAwait(false);
        }
        catch (Exception)
        {
            return [];
        }
    }

    private Task<long> Produce(ItemEvent copy) =>
        producer.ProduceAsync(StreamTopics.ItemEvents, copy.ItemId, JsonSerializer.SerializeToUtf8Bytes(copy, GrainsJsonContext.Default.ItemEvent));

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
