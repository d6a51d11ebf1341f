using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics.Tensors;
using System.Text.Json;
using Personalization.Contracts;
using Personalization.Grains.Serving;
using Personalization.Recommender;
using Personalization.Grains.Artwork;
using Personalization.Recommender.Bandits;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Streams;
using Personalization.Streaming.Providers;

namespace Personalization.Grains.Items;

/// <summary>
/// An item's live counters, time-decayed popularity, recent interactions and live vector, fed from
/// <see cref="StreamTopics.ItemEvents"/>.
/// </summary>
/// <remarks>
/// <para>The live vector is the item side of the ALS step (<see cref="ItemFoldIn"/>), solved once per delivery from the
/// most recent users who interacted with the item since the model, each with the live vector their event carried,
/// starting from the item's trained vector (or the content-mapped one of an item newer than the model). It is served
/// at once on this silo and shared with the others (<see cref="ItemVectorBoard"/>); the next model replaces it.</para>
/// <para>Also learns the item's artwork bandit: an impression with <c>context.artworkId</c> adds the user's features to
/// that variant's statistics with reward 0, and a click with it adds reward 1 for the same features (turning that
/// impression's 0 into a 1), so each variant's ridge regression estimates click probability given the user.</para>
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
    IDeadLetterSink deadLetters,
    IServingModelProvider models,
    ItemVectorBoard itemVectors,
    Microsoft.Extensions.Options.IOptions<LiveItemOptions> liveOptions)
    : StreamFedGrain<ItemState>(state, deadLetters, logger), IItemGrain
{
    private static readonly Meter Meter = new(Users.UserGrain.MeterName);
    private static readonly Histogram<double> FoldInMs = Meter.CreateHistogram<double>("item.foldin.duration", "ms",
        "Time to re-solve an item's live vector from its recent viewers");

    private readonly LiveItemOptions _live = liveOptions.Value;

    // The key decoded once: GetPrimaryKeyString decodes the grain id's UTF-8 bytes on every call.
    private string ItemId => field ??= this.GetPrimaryKeyString();
    private bool _solvePending;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Popularity > 0) trending.Report(ItemId, State.Popularity, State.PopularityAtMs);
        if (State.Artwork.Count > 0) artwork.Apply(Policy());
        // After a failover or an idle collection the serving index may not hold this item's live vector any more.
        if (State.Live is { Vector: { } vector } live && models.Current?.Version == live.ModelVersion)
            itemVectors.Report(new LiveItemVector(ItemId, live.ModelVersion, vector, live.Interactions, time.GetUtcNow().ToUnixTimeMilliseconds()));
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
        Remember(e, at);
        if (engagement > 0)
        {
            // Decay the running value to the newer of the two instants, then add.
            var reference = Math.Max(at, State.PopularityAtMs);
            State.Popularity = trending.Decay(State.Popularity, State.PopularityAtMs, reference) + trending.Decay(engagement, at, reference);
            State.PopularityAtMs = reference;
            trending.Report(ItemId, State.Popularity, State.PopularityAtMs);
        }
        State.LastEventMs = Math.Max(State.LastEventMs ?? at, at);
    }

    // The recent list, and the user's share of the live vector when the event carried the user's vector.
    private void Remember(ItemEvent e, long at)
    {
        if (e.Weight == 0f) return; // impressions and other signal-free events: counted above, not interactions
        State.RecentTotal++;
        State.Recent.Add(new ItemRecentEntry(e.UserId, InteractionTypes.WireName(e.Type), e.Weight, at));
        if (State.Recent.Count > _live.MaxRecent) State.Recent.RemoveRange(0, State.Recent.Count - _live.MaxRecent);

        if (!_live.Enabled || e.UserVector is not { Length: > 0 } vector || models.Current is not { } model
            || model.Version != e.UserVectorModel || vector.Length != model.Factors || !TensorPrimitives.IsFiniteAll<float>(vector))
            return;
        if (State.Live is not { } live || live.ModelVersion != model.Version) State.Live = live = new LiveItemState { ModelVersion = model.Version };
        var user = live.Users.Find(u => u.UserId == e.UserId);
        if (user is null)
        {
            live.Users.Add(user = new LiveContribution { UserId = e.UserId });
            if (live.Users.Count > _live.MaxUsers) live.Users.Remove(live.Users.MinBy(u => u.LastMs)!);
        }
        user.Weight += e.Weight;
        user.Vector = vector;
        user.LastMs = Math.Max(user.LastMs, at);
        live.Interactions++;
        _solvePending = true;
    }

    /// <inheritdoc />
    protected override void Applied()
    {
        if (!_solvePending) return;
        _solvePending = false;
        if (State.Live is not { } live || models.Current is not { Model.UserGram: { } userGram } model || model.Version != live.ModelVersion) return;
        var row = model.RowOf(ItemId);
        if (row < 0) return; // not in the catalog the silos serve
        var started = Stopwatch.GetTimestamp();
        var k = model.Factors;
        var n = live.Users.Count;
        var vectors = ArrayPool<float>.Shared.Rent(n * k);
        var weights = ArrayPool<float>.Shared.Rent(n);
        try
        {
            for (var u = 0; u < n; u++)
            {
                live.Users[u].Vector.CopyTo(vectors.AsSpan(u * k, k));
                weights[u] = live.Users[u].Weight;
            }
            var strength = row < model.ModelItems
                ? ItemFoldIn.TrainedPriorStrength(model.Model.Alpha, model.Model.ItemPopularity[row], model.Model.Users)
                : 1.0;
            var solved = new float[k];
            ItemFoldIn.Solve(userGram, k, model.PriorOf(row), strength, vectors.AsSpan(0, n * k), weights.AsSpan(0, n),
                model.Model.Alpha, Math.Max(model.Model.Regularization, 1e-3f), solved);
            live.Vector = solved;
        }
        catch (InvalidOperationException ex)
        {
            // A system that is not positive definite (it cannot be with finite vectors and λ > 0): the item keeps the
            // vector it had, and the events stay applied.
            logger.LogWarning(ex, "Could not solve the live vector of item {ItemId}", ItemId);
            return;
        }
        finally
        {
            ArrayPool<float>.Shared.Return(vectors);
            ArrayPool<float>.Shared.Return(weights);
        }
        FoldInMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        itemVectors.Report(new LiveItemVector(ItemId, live.ModelVersion, live.Vector, live.Interactions, time.GetUtcNow().ToUnixTimeMilliseconds()));
    }

    /// <inheritdoc />
    public Task<ItemInteractionsPage> GetRecentAsync(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var recent = State.Recent;
        var items = new List<ItemInteraction>(Math.Max(0, Math.Min(limit, recent.Count - offset)));
        for (var i = recent.Count - 1 - offset; i >= 0 && items.Count < limit; i--)
        {
            var r = recent[i];
            items.Add(new ItemInteraction(r.UserId, r.Type, r.Weight, DateTimeOffset.FromUnixTimeMilliseconds(r.TimestampMs)));
        }
        return Task.FromResult(new ItemInteractionsPage(recent.Count, State.RecentTotal, offset, items));
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

    private ArtworkPolicy Policy() => new(ItemId, State.ArtworkVersion,
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
