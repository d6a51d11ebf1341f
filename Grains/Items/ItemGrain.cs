using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Personalization.Contracts;
using Personalization.Runtime;

namespace Personalization.Grains.Items;

/// <summary>An item's live counters and time-decayed popularity, fed from <see cref="StreamTopics.ItemEvents"/>.</summary>
public sealed class ItemGrain(TrendingBoard trending) : Grain<ItemState>, IItemGrain, IEventSink
{
    /// <inheritdoc />
    protected override JsonTypeInfo<ItemState> StateTypeInfo => GrainsJsonContext.Default.ItemState;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Popularity > 0) trending.Report(GetPrimaryKeyString(), State.Popularity, State.PopularityAtMs);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task ApplyAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        var e = JsonSerializer.Deserialize(envelope.Payload.Span, GrainsJsonContext.Default.ItemEvent)
            ?? throw new JsonException("Empty item event.");
        if (State.SourceOffsets.TryGetValue(e.SourcePartition, out var seen) && e.SourceOffset <= seen)
            return Task.CompletedTask; // a copy re-forwarded when the source partition was replayed
        State.SourceOffsets[e.SourcePartition] = e.SourceOffset;

        switch (e.Type)
        {
            case InteractionType.Play or InteractionType.Watch: State.Plays++; break;
            case InteractionType.Impression: State.Impressions++; break;
            case InteractionType.Click: State.Clicks++; break;
        }
        var engagement = Engagement(e.Type, e.Value);
        var at = e.Timestamp.ToUnixTimeMilliseconds();
        if (engagement > 0)
        {
            // Decay the running value to the newer of the two instants, then add.
            var reference = Math.Max(at, State.PopularityAtMs);
            State.Popularity = trending.Decay(State.Popularity, State.PopularityAtMs, reference) + trending.Decay(engagement, at, reference);
            State.PopularityAtMs = reference;
            trending.Report(GetPrimaryKeyString(), State.Popularity, State.PopularityAtMs);
        }
        State.LastEventMs = Math.Max(State.LastEventMs ?? at, at);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<ItemStats> GetStatsAsync()
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        return Task.FromResult(new ItemStats(State.Plays, State.Impressions, State.Clicks,
            trending.Decay(State.Popularity, State.PopularityAtMs, now),
            State.LastEventMs is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null));
    }

    /// <summary>What counts toward "trending": watching and choosing, not being shown.</summary>
    private static double Engagement(InteractionType type, float? value) => type switch
    {
        InteractionType.Play or InteractionType.Watch or InteractionType.AddToList => 1.0,
        InteractionType.Click => 0.5,
        InteractionType.Rating => (value ?? 0) >= 3.5f ? 1.0 : 0.0,
        InteractionType.Thumbs => (value ?? 0) > 0 ? 1.0 : 0.0,
        _ => 0.0,
    };
}
