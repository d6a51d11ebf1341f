namespace Personalization.Contracts;

/// <summary>Answer to <c>POST /v1/events</c>.</summary>
/// <param name="Accepted">Events acknowledged by Kafka.</param>
[GenerateSerializer, Immutable]
public sealed record EventsAccepted(int Accepted);

/// <summary>A recommended item.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Title">Its title.</param>
/// <param name="Score">Ranking score (model-specific scale).</param>
/// <param name="Reason">Why it is here, in a few words.</param>
/// <param name="ArtworkId">The artwork variant to show, chosen for this user by the item's contextual bandit; null when
/// the item has no variants (the client's default image). Report it back as <c>context.artworkId</c> on the
/// <c>impression</c> and <c>click</c> events of this item.</param>
[GenerateSerializer, Immutable]
public sealed record RecommendedItem(string ItemId, string Title, float Score, string? Reason = null, string? ArtworkId = null);

/// <summary>An experiment that shaped a response, and the user's variant in it.</summary>
/// <param name="Experiment">The experiment id.</param>
/// <param name="Variant">The variant name.</param>
[GenerateSerializer, Immutable]
public sealed record ExperimentExposure(string Experiment, string Variant);

/// <summary>Answer to <c>GET /v1/users/{userId}/recommendations</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ModelVersion">The model the ranking used.</param>
/// <param name="Items">Ranked items.</param>
/// <param name="Experiments">The experiments (and the user's variants) that shaped this response; empty when none runs.</param>
[GenerateSerializer, Immutable]
public sealed record RecommendationsResponse(string UserId, long ModelVersion, IReadOnlyList<RecommendedItem> Items,
    IReadOnlyList<ExperimentExposure>? Experiments = null);

/// <summary>A row of the home page.</summary>
/// <param name="Id">Stable row id (<c>top-picks</c>, <c>because-you-watched:ITEM</c>, <c>trending</c>, <c>genre:NAME</c>).</param>
/// <param name="Title">Display title.</param>
/// <param name="Items">Ranked items.</param>
[GenerateSerializer, Immutable]
public sealed record Row(string Id, string Title, IReadOnlyList<RecommendedItem> Items);

/// <summary>What a rows request asks for.</summary>
/// <param name="Rows">Maximum number of rows.</param>
/// <param name="PerRow">Maximum items per row.</param>
/// <param name="Device">The client device, if known: tv, mobile, web or tablet.</param>
/// <param name="Hour">The user's local hour (0–23), which picks the row order.</param>
[GenerateSerializer, Immutable]
public sealed record RowsRequest(int Rows, int PerRow, string? Device, int Hour = 20);

/// <summary>Answer to <c>GET /v1/users/{userId}/rows</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="ModelVersion">The model the ranking used.</param>
/// <param name="Rows">The rows, no item twice on the page.</param>
/// <param name="Experiments">The experiments (and the user's variants) that shaped this page; empty when none runs.</param>
[GenerateSerializer, Immutable]
public sealed record RowsResponse(string UserId, long ModelVersion, IReadOnlyList<Row> Rows, IReadOnlyList<ExperimentExposure>? Experiments = null);

/// <summary>An interaction as the user grain remembers it.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Type">Event type wire name.</param>
/// <param name="Value">Event value.</param>
/// <param name="Timestamp">When it happened.</param>
[GenerateSerializer, Immutable]
public sealed record RecentInteraction(string ItemId, string Type, float? Value, DateTimeOffset Timestamp);

/// <summary>Answer to <c>GET /v1/users/{userId}</c>.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Interactions">Events applied to this user (imported history included).</param>
/// <param name="Recent">Most recent interactions, newest first.</param>
/// <param name="ModelVersion">The model the live vector is folded against (0 when none).</param>
[GenerateSerializer, Immutable]
public sealed record UserView(string UserId, long Interactions, IReadOnlyList<RecentInteraction> Recent, long ModelVersion);

/// <summary>Live counters of an item.</summary>
/// <param name="Plays">Plays and watches.</param>
/// <param name="Impressions">Times shown.</param>
/// <param name="Clicks">Clicks.</param>
/// <param name="Popularity">Time-decayed engagement (half-life configurable).</param>
/// <param name="LastEventAt">Time of the newest event, if any.</param>
[GenerateSerializer, Immutable]
public sealed record ItemStats(long Plays, long Impressions, long Clicks, double Popularity, DateTimeOffset? LastEventAt);

/// <summary>Answer to <c>GET /v1/items/{itemId}</c>.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Title">Title.</param>
/// <param name="Genres">Genres.</param>
/// <param name="Tags">Tags.</param>
/// <param name="InModel">Whether the current model has factors for it.</param>
/// <param name="Stats">Live counters.</param>
/// <param name="Artwork">The item's artwork variants with their live impressions and clicks.</param>
/// <param name="Vector">Where the vector it is ranked with comes from.</param>
/// <param name="Recent">A page of the users who interacted with it most recently, newest first.</param>
[GenerateSerializer, Immutable]
public sealed record ItemView(string ItemId, string Title, IReadOnlyList<string> Genres, IReadOnlyList<string> Tags, bool InModel, ItemStats Stats,
    IReadOnlyList<ArtworkView>? Artwork = null, VectorProvenance? Vector = null, ItemInteractionsPage? Recent = null);

/// <summary>Where an item's vector comes from.</summary>
/// <param name="Source">
/// <c>trained</c> (the batch model's), <c>content</c> (mapped from genres and tags: the item is newer than the model),
/// <c>live</c> (re-solved from the users who interacted with it since the model), or <c>none</c> (not in the model).
/// </param>
/// <param name="ModelVersion">The model the vector belongs to.</param>
/// <param name="Interactions">For <c>live</c>: interactions folded in since the model.</param>
/// <param name="Prior">For <c>live</c>: what it started from, <c>trained</c> or <c>content</c>.</param>
[GenerateSerializer, Immutable]
public sealed record VectorProvenance(string Source, long ModelVersion, int Interactions = 0, string? Prior = null);

/// <summary>A page of an item's recent interactions.</summary>
/// <param name="Kept">Interactions the item keeps (the most recent).</param>
/// <param name="Total">Interactions recorded since its first.</param>
/// <param name="Offset">Index of the first one on this page (0 is the latest applied).</param>
/// <param name="Items">The page, the latest applied first.</param>
[GenerateSerializer, Immutable]
public sealed record ItemInteractionsPage(int Kept, long Total, int Offset, IReadOnlyList<ItemInteraction> Items);

/// <summary>One interaction with an item.</summary>
/// <param name="UserId">Who.</param>
/// <param name="Type">The event type's wire name.</param>
/// <param name="Weight">Its signed signal weight.</param>
/// <param name="At">When.</param>
[GenerateSerializer, Immutable]
public sealed record ItemInteraction(string UserId, string Type, float Weight, DateTimeOffset At);

/// <summary>An artwork variant of an item and how it fares.</summary>
/// <param name="Id">Variant id.</param>
/// <param name="Tags">Its tags.</param>
/// <param name="Impressions">Impressions logged with this variant.</param>
/// <param name="Clicks">Clicks logged with this variant.</param>
[GenerateSerializer, Immutable]
public sealed record ArtworkView(string Id, IReadOnlyList<string> Tags, long Impressions, long Clicks);

/// <summary>An item grain's counters for one artwork variant.</summary>
/// <param name="Id">Variant id (as the events named it).</param>
/// <param name="Impressions">Impressions with it.</param>
/// <param name="Clicks">Clicks with it.</param>
[GenerateSerializer, Immutable]
public sealed record ArtworkCounters(string Id, long Impressions, long Clicks);

/// <summary>An artwork variant in <c>PUT /v1/items/{itemId}</c>.</summary>
/// <param name="Id">Variant id, unique within the item.</param>
/// <param name="Tags">Descriptive tags.</param>
[GenerateSerializer, Immutable]
public sealed record ArtworkUpsert(string? Id, IReadOnlyList<string>? Tags);

/// <summary>Body of <c>PUT /v1/items/{itemId}</c>.</summary>
/// <param name="Title">Title (required).</param>
/// <param name="Genres">Genres.</param>
/// <param name="Tags">Tags.</param>
/// <param name="Artwork">Artwork variants; the bandit picks one per user and item. Omitted: none (or, on an update, the same as before).</param>
[GenerateSerializer, Immutable]
public sealed record ItemUpsert(string? Title, IReadOnlyList<string>? Genres, IReadOnlyList<string>? Tags, IReadOnlyList<ArtworkUpsert>? Artwork = null);

/// <summary>Answer to <c>GET /v1/items/{itemId}/similar</c>.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="ModelVersion">The model used.</param>
/// <param name="Items">Most similar items (cosine of item factors).</param>
[GenerateSerializer, Immutable]
public sealed record SimilarItemsResponse(string ItemId, long ModelVersion, IReadOnlyList<RecommendedItem> Items);
