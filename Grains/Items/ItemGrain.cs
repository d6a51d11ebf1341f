using System.Text.Json;
using Personalization.Contracts;
using Personalization.Grains.Artwork;
using Personalization.Recommender.Bandits;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Streams;
using Personalization.Streaming.Providers;

namespace Personalization.Grains.Items;

/// <summary>An item's live counters and time-decayed popularity, fed from <see cref="StreamTopics.ItemEvents"/>.</summary>
/// <remarks>
/// Also learns the item's artwork bandit: an impression with <c>context.artworkId</c> adds the user's features to
/// that variant's statistics with reward 0, and a click with it adds reward 1 for the same features (turning that
/// impression's 0 into a 1), so each variant's ridge regression estimates click probability given the user.
/// </remarks>
[GrainType("item")]
// Activated where its partition is read (the first call is the stream delivery), so events and checkpoints stay in-silo.
[Orleans.Placement.PreferLocalPlacement]
[ImplicitStreamSubscription(StreamTopics.ItemEvents)]
public sealed class ItemGrain(
    [PersistentState("item", GrainStorageNames.Grains)] IPersistentState<ItemState> state,
    ILogger<ItemGrain> logger,
    TrendingBoard trending,
    Artwork.ArtworkBoard artwork,
    Microsoft.Extensions.Options.IOptions<Artwork.ArtworkOptions> artworkOptions,
    Microsoft.Extensions.Options.IOptions<DeduplicationOptions> deduplication,
    TimeProvider time,
    IDeadLetterSink deadLetters)
    : StreamFedGrain<ItemState>(state, deadLetters, logger), IItemGrain
{
    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Popularity > 0) trending.Report(this.GetPrimaryKeyString(), State.Popularity, State.PopularityAtMs);
        if (State.Artwork.Count > 0) artwork.Apply(Policy());
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    protected override void Apply(KafkaRecord record)
    {
        var e = JsonSerializer.Deserialize(record.Payload, GrainsJsonContext.Default.ItemEvent)
            ?? throw new JsonException("Empty item event.");
        if (State.SourceOffsets.TryGetValue(e.SourcePartition, out var seen) && e.SourceOffset <= seen)
            return; // a copy re-forwarded when the source partition was replayed
        State.SourceOffsets[e.SourcePartition] = e.SourceOffset;
        // A client's retry of an event already in the log: the user grain skips it too. The key cannot be forged from
        // another pair: ids hold no control characters.
        if (e.EventId is { } eventId
            && !State.EventIds.TryAdd($"{e.UserId}\u001f{eventId}", record.Timestamp.ToUnixTimeMilliseconds(), deduplication.Value.Window, deduplication.Value.MaxPerItem))
            return;

        switch (e.Type)
        {
            case InteractionType.Play or InteractionType.Watch: State.Plays++; break;
            case InteractionType.Impression: State.Impressions++; break;
            case InteractionType.Click: State.Clicks++; break;
        }
        if (e.ArtworkId is { } artworkId) LearnArtwork(artworkId, e.Type, e.ArtworkContext);
        var engagement = Engagement(e.Type, e.Value);
        var at = e.Timestamp.ToUnixTimeMilliseconds();
        if (engagement > 0)
        {
            // Decay the running value to the newer of the two instants, then add.
            var reference = Math.Max(at, State.PopularityAtMs);
            State.Popularity = trending.Decay(State.Popularity, State.PopularityAtMs, reference) + trending.Decay(engagement, at, reference);
            State.PopularityAtMs = reference;
            trending.Report(this.GetPrimaryKeyString(), State.Popularity, State.PopularityAtMs);
        }
        State.LastEventMs = Math.Max(State.LastEventMs ?? at, at);
    }

    private void LearnArtwork(string artworkId, InteractionType type, float[]? context)
    {
        if (!State.Artwork.TryGetValue(artworkId, out var arm))
        {
            if (State.Artwork.Count >= MaxArtworkVariants) return; // ids come from clients: bound the state
            State.Artwork[artworkId] = arm = new ArtworkArm();
        }
        if (type == InteractionType.Impression) arm.Impressions++;
        else arm.Clicks++;
        if (context is not { Length: > 0 }) return;
        // A model whose genres changed gives features of another length: the old statistics no longer apply.
        if (arm.Model is null || arm.Model.Dimensions != context.Length) arm.Model = new LinearArm(context.Length, artworkOptions.Value.Regularization);
        if (type == InteractionType.Impression) arm.Model.Update(context, 0);
        else arm.Model.AddReward(context, 1);
        State.ArtworkVersion++;
        artwork.Report(Policy());
    }

    private ArtworkPolicy Policy() => new(this.GetPrimaryKeyString(), State.ArtworkVersion,
        State.Artwork.Where(a => a.Value.Model is not null).ToDictionary(a => a.Key, a => a.Value.Model!.Clone(), StringComparer.Ordinal));

    /// <summary>Most artwork variants one item keeps statistics for.</summary>
    public const int MaxArtworkVariants = 32;

    /// <inheritdoc />
    public Task<IReadOnlyList<ArtworkCounters>> GetArtworkStatsAsync() =>
        Task.FromResult<IReadOnlyList<ArtworkCounters>>(State.Artwork.Select(a => new ArtworkCounters(a.Key, a.Value.Impressions, a.Value.Clicks)).ToList());

    /// <inheritdoc />
    public Task<ItemStats> GetStatsAsync()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
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
