using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Personalization.Contracts;
using Personalization.Grains.Experiments;
using Personalization.Grains.Serving;
using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Recommender.Bandits;
using Personalization.Recommender.Experiments;
using Personalization.Recommender.Reranking;
using Microsoft.Extensions.Logging;
using Personalization.Grains.Streams;
using Personalization.Streaming.Providers;
using Personalization.Storage;

namespace Personalization.Grains.Users;

/// <summary>
/// A user's grain. Applies the user's events in log order, keeps a bounded profile, and re-solves the
/// user's vector by ALS fold-in against the current model after every event (and lazily after a model
/// swap), so the next request ranks with everything the user just did.
/// </summary>
[GrainType("user")]
// Activated where its partition is read (the first call is the stream delivery), so events and checkpoints stay in-silo.
[Orleans.Placement.PreferLocalPlacement]
[ImplicitStreamSubscription(StreamTopics.Interactions)]
public sealed class UserGrain(
    [PersistentState("user", GrainStorageNames.Grains)] IPersistentState<UserState> state,
    ILogger<UserGrain> logger,
    IServingModelProvider models,
    SignalPolicy signals,
    IInteractionHistory history,
    Items.TrendingBoard trending,
    IOptions<UserGrainOptions> options,
    IOptions<DeduplicationOptions> deduplication,
    TimeProvider time,
    ServingClock clock,
    ExperimentRegistry experiments,
    IExperimentStore experimentStore,
    Artwork.ArtworkBoard artwork,
    IDeadLetterSink deadLetters,
    UserVectorBoard userVectors) : StreamFedGrain<UserState>(state, deadLetters, logger), IUserGrain
{
    /// <summary>Meter of the user grains.</summary>
    public const string MeterName = "Personalization.Grains";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Histogram<double> FoldInMs = Meter.CreateHistogram<double>("user.foldin.duration", "ms", "ALS fold-in time per solve");
    private static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("events.duplicates", "{event}",
        "Events skipped because their (user, event id) was applied within the deduplication window: client retries");

    private readonly UserGrainOptions _options = options.Value;

    // The key decoded once: GetPrimaryKeyString decodes the grain id's UTF-8 bytes on every call.
    private string UserId => field ??= this.GetPrimaryKeyString();
    private float[]? _vector;
    private long _vectorVersion = -1;
    private UserPage? _page;
    private ServingModel? _pageModel;
    private long _pageInteractions = -1;
    // (experiment, epoch) -> variant: the exposure log is the truth; this only spares a store round trip per request.
    private readonly Dictionary<string, (int Epoch, string Variant)> _assignments = new(StringComparer.Ordinal);
    // The last ranked answers, reused for an identical request within Users:ResultCacheTtl.
    private (ResultKey Key, DateTimeOffset Until, RecommendationsResponse Value)? _recommendations;
    private (ResultKey Key, DateTimeOffset Until, RowsResponse Value)? _rows;
    private IGrainTimer? _resultExpiry;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (State.Imported) return;
        // First activation: start from the history imported at bootstrap. Events consumed from the log
        // are never read here: they reach the grain by replay, exactly once.
        var imported = await history.ReadUserAsync(UserId, importedOnly: true, _options.MaxProfileItems, cancellationToken);
        foreach (var record in imported)
        {
            if (InteractionTypes.TryParse(record.Type, out var type)) Apply(record.ItemId, type, record.Value, null, record.Timestamp.ToUnixTimeMilliseconds());
        }
        // Not written here: the first batch of events writes it, and until then a reactivation imports again.
        State.Imported = true;
    }

    /// <inheritdoc />
    protected override void Apply(KafkaRecord record)
    {
        var e = JsonSerializer.Deserialize(record.Payload, GrainsJsonContext.Default.InteractionEvent)
            ?? throw new JsonException("Empty interaction event.");
        if (e.EventId is { } eventId
            && !State.EventIds.TryAdd(eventId, record.Timestamp.ToUnixTimeMilliseconds(), deduplication.Value.Window, deduplication.Value.MaxPerUser))
        {
            Duplicates.Add(1, new KeyValuePair<string, object?>("grain", "user"));
            return;
        }
        Apply(e.ItemId, e.Type, e.Value, SignalPolicy.DurationOf(e.Context), (e.Timestamp ?? record.Timestamp).ToUnixTimeMilliseconds());
        _vectorVersion = -1;
    }

    /// <inheritdoc />
    protected override void Applied()
    {
        // One fold-in covers every event of the delivery: the vector is current before the grain answers again.
        if (models.Current is { } model) EnsureVector(model);
    }

    private void Apply(string itemId, InteractionType type, float? value, float? durationSeconds, long timestampMs)
    {
        State.Interactions++;
        State.Recent.Add(new RecentEntry(itemId, InteractionTypes.WireName(type), value, timestampMs));
        if (State.Recent.Count > _options.MaxRecent) State.Recent.RemoveRange(0, State.Recent.Count - _options.MaxRecent);

        if (!State.Profile.TryGetValue(itemId, out var entry))
        {
            if (State.Profile.Count >= _options.MaxProfileItems) EvictOldest();
            State.Profile[itemId] = entry = new ProfileEntry();
        }
        entry.Weight += signals.Weight(type, value, durationSeconds);
        entry.LastMs = Math.Max(entry.LastMs, timestampMs);
        entry.Consumed |= SignalPolicy.MarksConsumed(type);
        entry.Started |= SignalPolicy.Starts(type);
        entry.Finished |= signals.Finishes(type, value, durationSeconds);
        if (type == InteractionType.Watch && value is > 0f) entry.ProgressSeconds = Math.Max(entry.ProgressSeconds, value.Value);
    }

    private void EvictOldest()
    {
        string? oldest = null;
        var oldestMs = long.MaxValue;
        foreach (var (id, entry) in State.Profile)
        {
            if (entry.LastMs < oldestMs) { oldest = id; oldestMs = entry.LastMs; }
        }
        if (oldest is not null) State.Profile.Remove(oldest);
    }

    /// <summary>The live vector for <paramref name="model"/>, or null when the profile has nothing the model knows.</summary>
    private float[]? EnsureVector(ServingModel model)
    {
        if (_vectorVersion == model.Version) return _vector;
        var started = Stopwatch.GetTimestamp();
        var rows = new List<int>(State.Profile.Count);
        var weights = new List<float>(State.Profile.Count);
        var times = new List<long>(State.Profile.Count);
        foreach (var (itemId, entry) in State.Profile)
        {
            var row = model.RowOf(itemId);
            if (row < 0 || entry.Weight == 0f) continue;
            rows.Add(row);
            weights.Add(entry.Weight);
            times.Add(entry.LastMs);
        }
        if (rows.Count == 0)
        {
            _vector = null;
        }
        else
        {
            _vector ??= new float[model.Factors];
            if (_vector.Length != model.Factors) _vector = new float[model.Factors];
            var rowSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows);
            var weightSpan = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(weights);
            if (model.Model.Sequence is { } sequence)
            {
                // A sequence model (SASRec): its state after the user's items in the order they were last met (ties by
                // row), the newest last, at most its length.
                var order = new (long Time, int Row)[rowSpan.Length];
                for (var i = 0; i < order.Length; i++) order[i] = (times[i], rowSpan[i]);
                Array.Sort(order);
                var recent = order.AsSpan(Math.Max(0, order.Length - sequence.MaxLength));
                var items = new int[recent.Length];
                for (var i = 0; i < items.Length; i++) items[i] = recent[i].Row;
                sequence.Encode(items, _vector);
            }
            else if (model.Model.Encoder is { } encoder)
            {
                // A neural model (Mult-VAE): the encoder's code instead of a solve; summed in row order, so the same
                // profile always gives the same bits whatever order the profile dictionary keeps.
                rowSpan.Sort(weightSpan);
                encoder.Encode(rowSpan, weightSpan, _vector);
            }
            else
            {
                FoldIn.Solve(model.ItemFactors, model.Factors, model.Model.Gram, rowSpan, weightSpan,
                    model.Model.Alpha, model.Model.Regularization, _vector);
            }
            FoldInMs.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            // A copy: _vector is solved in place next time, and the item events carry what the board holds.
            userVectors.Report(UserId, model.Version, _vector.ToArray());
        }
        _vectorVersion = model.Version;
        return _vector;
    }

    /// <inheritdoc />
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        userVectors.Remove(UserId);
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <inheritdoc />
    public Task<UserView> GetViewAsync(int recent)
    {
        var items = State.Recent.AsEnumerable().Reverse().Take(recent)
            .Select(r => new RecentInteraction(r.ItemId, r.Type, r.Value, DateTimeOffset.FromUnixTimeMilliseconds(r.TimestampMs)))
            .ToList();
        var version = models.Current is { } model && EnsureVector(model) is not null ? model.Version : 0;
        return Task.FromResult(new UserView(UserId, State.Interactions, items, version));
    }

    /// <inheritdoc />
    public async Task<RecommendationsResponse> GetRecommendationsAsync(int count)
    {
        var (model, ranking, exposures) = await ExperimentsAsync(models.Current ?? throw new ModelNotReadyException());
        var seed = Ranker.SeedFor(UserId, clock.UtcNow);
        // The key only when answers are reused: with reuse off (uncached serving) a request builds nothing it does not return.
        var key = _options.ResultCacheTtl > TimeSpan.Zero ? new ResultKey(model, State.Interactions, seed, ranking, exposures, count) : null;
        if (key is not null && _recommendations is { } cached && cached.Key.Matches(key) && time.GetUtcNow() < cached.Until) return cached.Value;
        var page = Page(model);
        var items = Ranker.Recommend(model, page.Vector, page.Exclude, count, seed, ranking);
        var response = new RecommendationsResponse(UserId, model.Version, WithArtwork(model, page, items, seed), exposures);
        if (key is not null)
        {
            _recommendations = (key, time.GetUtcNow() + _options.ResultCacheTtl, response);
            DropResultsWhenExpired();
        }
        return response;
    }

    /// <inheritdoc />
    public async Task<RowsResponse> GetRowsAsync(RowsRequest request)
    {
        var (model, ranking, exposures) = await ExperimentsAsync(models.Current ?? throw new ModelNotReadyException());
        var seed = Ranker.SeedFor(UserId, clock.UtcNow);
        var key = _options.ResultCacheTtl > TimeSpan.Zero ? new ResultKey(model, State.Interactions, seed, ranking, exposures, request) : null;
        if (key is not null && _rows is { } cached && cached.Key.Matches(key) && time.GetUtcNow() < cached.Until) return cached.Value;
        var page = Page(model);
        var rows = Ranker.HomePage(model, page, trending, request, PageLayout.PartOf(request.Hour), seed, ranking);
        for (var i = 0; i < rows.Count; i++)
        {
            // A row whose items have no artwork variants keeps its record.
            var items = WithArtwork(model, page, rows[i].Items, seed);
            if (!ReferenceEquals(items, rows[i].Items)) rows[i] = rows[i] with { Items = items };
        }
        var response = new RowsResponse(UserId, model.Version, rows, exposures);
        if (key is not null)
        {
            _rows = (key, time.GetUtcNow() + _options.ResultCacheTtl, response);
            DropResultsWhenExpired();
        }
        return response;
    }

    /// <summary>
    /// Lets go of the reused answers once they expire. Kept until the next request instead, a rows page (about 10 KB)
    /// stayed with every activated user for as long as the grain lived: the 30-minute soak's heap grew by that much per user.
    /// </summary>
    private void DropResultsWhenExpired()
    {
        var due = _options.ResultCacheTtl;
        if (_resultExpiry is null)
            _resultExpiry = this.RegisterGrainTimer(DropExpiredResults,
                new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = false });
        else
            _resultExpiry.Change(due, Timeout.InfiniteTimeSpan);
    }

    private Task DropExpiredResults()
    {
        var now = time.GetUtcNow();
        if (_recommendations is { } recommendations && now >= recommendations.Until) _recommendations = null;
        if (_rows is { } rows && now >= rows.Until) _rows = null;
        // One answer may be younger than the other: look again when it expires.
        if (_recommendations is not null || _rows is not null) _resultExpiry?.Change(_options.ResultCacheTtl, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>What a ranked answer depends on besides time: reused only while all of it is the same.</summary>
    private sealed record ResultKey(ServingModel Model, long Interactions, ulong Seed, RankingSettings? Ranking,
        IReadOnlyList<ExperimentExposure> Exposures, object Request)
    {
        public bool Matches(ResultKey other) =>
            ReferenceEquals(Model, other.Model) && Interactions == other.Interactions && Seed == other.Seed
            && Equals(Ranking, other.Ranking) && Exposures.SequenceEqual(other.Exposures) && Request.Equals(other.Request);
    }

    /// <inheritdoc />
    public Task<float[]> GetArtworkContextAsync()
    {
        var model = models.Current;
        if (model is null) return Task.FromResult(Array.Empty<float>());
        return Task.FromResult(Page(model).ArtworkContext);
    }

    /// <summary>Each item's artwork, chosen by the item's bandit for this user's context; items without variants keep none.</summary>
    private IReadOnlyList<RecommendedItem> WithArtwork(ServingModel model, UserPage page, IReadOnlyList<RecommendedItem> items, ulong seed)
    {
        List<RecommendedItem>? result = null;
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            if (models.Catalog.ArtworkOf(item.ItemId) is not { } variants) continue;
            result ??= [.. items];
            result[i] = item with { ArtworkId = artwork.Choose(item.ItemId, variants, page.ArtworkContext, seed) };
        }
        return result ?? items;
    }

    /// <summary>
    /// The user's variant in every running experiment (sticky: the first exposure of an epoch is logged and wins), the
    /// ranking settings they add up to (experiments apply in id order), and the model to rank with: the newest model of
    /// the family a variant names, else <paramref name="model"/>.
    /// </summary>
    private ValueTask<(ServingModel Model, RankingSettings? Ranking, IReadOnlyList<ExperimentExposure> Exposures)> ExperimentsAsync(ServingModel model)
    {
        // Without a running experiment (most of the time), no task is built for the answer.
        var running = experiments.Snapshot;
        return running.Count == 0 ? ValueTask.FromResult<(ServingModel, RankingSettings?, IReadOnlyList<ExperimentExposure>)>((model, null, [])) : AssignAsync(model, running);
    }

    // The path with experiments: it may await the exposure log.
    private async ValueTask<(ServingModel Model, RankingSettings? Ranking, IReadOnlyList<ExperimentExposure> Exposures)> AssignAsync(ServingModel model,
        System.Collections.Immutable.ImmutableSortedDictionary<string, RunningExperiment> running)
    {
        var served = model;
        var userId = UserId;
        RankingSettings? ranking = null;
        var exposures = new List<ExperimentExposure>(running.Count);
        foreach (var (id, experiment) in running)
        {
            if (experiment.Variants.Count == 0) continue;
            int index;
            if (_assignments.TryGetValue(id, out var known) && known.Epoch == experiment.Epoch && experiment.IndexOf(known.Variant) is var k and >= 0)
            {
                index = k;
            }
            else
            {
                index = ExperimentAssignment.Assign(id, experiment.Epoch, userId, experiment.Shares);
                var logged = await experimentStore.LogExposureAsync(
                    new ExposureRecord(id, experiment.Epoch, userId, experiment.Variants[index].Name!, time.GetUtcNow()), CancellationToken.None);
                // An earlier exposure decides, even after the shares changed; a variant since removed falls back to the hash.
                if (experiment.IndexOf(logged.Variant) is var stored and >= 0) index = stored;
                _assignments[id] = (experiment.Epoch, experiment.Variants[index].Name!);
            }
            ranking = experiment.Apply(index, ranking ?? model.Ranking);
            if (experiment.ModelOf(index) is { } family && models.Of(family) is { } chosen) served = chosen;
            exposures.Add(new ExperimentExposure(id, experiment.Variants[index].Name!));
        }
        return (served, ranking, exposures);
    }

    /// <summary>
    /// The page inputs, rebuilt only when the user did something or the serving index changed: repeated page loads
    /// then cost the scoring and the response, not a walk over the whole profile.
    /// </summary>
    private UserPage Page(ServingModel model)
    {
        if (_page is not null && ReferenceEquals(_pageModel, model) && _pageInteractions == State.Interactions) return _page;
        var affinity = GenreAffinity(model);
        var context = new float[ArtworkContext.DimensionsFor(affinity.Length)];
        ArtworkContext.FromGenreAffinity(affinity, context);
        _page = new UserPage(EnsureVector(model), ConsumedRows(model), InProgress(model), AnchorRow(model), affinity, context);
        _pageModel = model;
        _pageInteractions = State.Interactions;
        return _page;
    }

    private HashSet<int> ConsumedRows(ServingModel model)
    {
        var rows = new HashSet<int>();
        foreach (var (itemId, entry) in State.Profile)
        {
            if ((entry.Consumed || entry.Finished || entry.Weight < 0) && model.RowOf(itemId) is var row and >= 0) rows.Add(row);
        }
        return rows;
    }

    /// <summary>Started, not finished, not disliked: "Continue watching", most recently touched first.</summary>
    private List<(int Row, float ProgressSeconds)> InProgress(ServingModel model) =>
        State.Profile.Where(p => p.Value.Started && !p.Value.Finished && p.Value.Weight > 0)
            .OrderByDescending(p => p.Value.LastMs).ThenBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => (Row: model.RowOf(p.Key), p.Value.ProgressSeconds)).Where(p => p.Row >= 0).ToList();

    /// <summary>The anchor of "Because you watched": the most recent liked item the model knows.</summary>
    private int AnchorRow(ServingModel model)
    {
        for (var i = State.Recent.Count - 1; i >= 0; i--)
        {
            var itemId = State.Recent[i].ItemId;
            if (State.Profile.TryGetValue(itemId, out var entry) && entry.Weight > 0 && model.RowOf(itemId) is var row and >= 0) return row;
        }
        return -1;
    }

    private double[] GenreAffinity(ServingModel model)
    {
        var affinity = new double[model.Genres.Length];
        foreach (var (itemId, entry) in State.Profile)
        {
            if (entry.Weight <= 0) continue;
            var row = model.RowOf(itemId);
            if (row < 0) continue;
            foreach (var genre in model.ItemGenres[row]) affinity[genre] += entry.Weight;
        }
        return affinity;
    }
}

/// <summary>Thrown while no model has been loaded yet (the gateway answers 503).</summary>
[GenerateSerializer]
public sealed class ModelNotReadyException() : Exception("No model is loaded yet.");
