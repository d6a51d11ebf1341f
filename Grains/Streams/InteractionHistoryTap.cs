using System.Text.Json;
using Personalization.Contracts;
using Personalization.Runtime;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Streams;
using Personalization.Storage;

namespace Personalization.Grains.Streams;

/// <summary>
/// Appends every consumed interaction to the history store (the trainer's input) in batches at each
/// checkpoint. The source key names the log position, so a replayed record is stored once.
/// </summary>
public sealed class InteractionHistoryTap(IInteractionHistory history, GrainRuntime runtime) : IStreamTap
{
    private readonly Lock _gate = new();
    private List<InteractionRecord> _pending = [];

    /// <inheritdoc />
    public string Topic => StreamTopics.Interactions;

    /// <inheritdoc />
    public Task? Observe(EventEnvelope envelope)
    {
        var e = JsonSerializer.Deserialize(envelope.Payload.Span, GrainsJsonContext.Default.InteractionEvent);
        if (e is null) return null;
        var record = new InteractionRecord($"log:{runtime.LogEpoch}:{envelope.Topic}:{envelope.Partition}:{envelope.Offset}",
            e.UserId, e.ItemId, InteractionTypes.WireName(e.Type), e.Value, e.Timestamp ?? envelope.Timestamp);
        lock (_gate) _pending.Add(record);
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
