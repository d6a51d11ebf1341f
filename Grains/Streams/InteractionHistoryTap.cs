using System.Text.Json;
using Personalization.Contracts;
using Personalization.Streaming.Providers;
using Personalization.Storage;

namespace Personalization.Grains.Streams;

/// <summary>
/// Appends every consumed interaction to the history store (the trainer's input) in batches at each
/// checkpoint. The source key names the log position, so a replayed record is stored once.
/// </summary>
public sealed class InteractionHistoryTap(IInteractionHistory history) : IStreamTap
{
    private readonly Lock _gate = new();
    private List<InteractionRecord> _pending = [];

    /// <inheritdoc />
    public string Topic => StreamTopics.Interactions;

    /// <inheritdoc />
    public Task? Observe(KafkaRecord record)
    {
        var e = JsonSerializer.Deserialize(record.Payload, GrainsJsonContext.Default.InteractionEvent);
        if (e is null) return null;
        // Keyed by the client's event id where there is one, so a retried event is stored once, like a replayed record.
        var key = e.EventId is { } eventId ? $"event:{e.UserId.Length}:{e.UserId}:{eventId}" : $"log:{record.Epoch}:{record.Topic}:{record.Partition}:{record.Offset}";
        var stored = new InteractionRecord(key,
            e.UserId, e.ItemId, InteractionTypes.WireName(e.Type), e.Value, e.Timestamp ?? record.Timestamp);
        lock (_gate) _pending.Add(stored);
        return null;
    }

    /// <inheritdoc />
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        List<InteractionRecord> batch;
        lock (_gate)
        {
            if (_pending.Count == 0) return;
            batch = _pending;
            _pending = [];
        }
        try
        {
            await history.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate) _pending.InsertRange(0, batch); // keep them for the next checkpoint
            throw;
        }
    }
}
