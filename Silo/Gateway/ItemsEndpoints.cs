using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Grains.Models;
using Personalization.Grains.Serving;
using Personalization.Streaming.Kafka;
using Personalization.Grains.Users;
using Personalization.Silo.Cluster;
using Personalization.Storage;

namespace Personalization.Silo.Gateway;

/// <summary>Item endpoints: catalog writes, live counters, and model-based similar items.</summary>
public static class ItemsEndpoints
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapItemsEndpoints(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/v1/items/{itemId}").ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        items.MapGet("/similar", GetSimilar).WithName("GetSimilarItems").WithSummary("Items most similar to this one (cosine of item factors).");
        items.MapGet("/", GetItemAsync).WithName("GetItem")
            .WithSummary("The item's catalog entry, live counters, where its vector comes from, and a page of its recent interactions (?recent=N&recentOffset=M).");
        items.MapPut("/", PutItemAsync).WithName("PutItem").WithSummary("Create or update a catalog item.");
        return app;
    }

    private static Results<GeneratedJsonResult<SimilarItemsResponse>, ValidationProblem, ProblemHttpResult> GetSimilar(
        string itemId, IServingModelProvider models, IOptions<GatewayOptions> options, int k = 20)
    {
        Dictionary<string, string[]>? errors = null;
        UsersEndpoints.Check(ref errors, "itemId", EventValidator.IdProblem(itemId));
        UsersEndpoints.Check(ref errors, "k", k < 1 || k > options.Value.MaxK ? $"Must be from 1 to {options.Value.MaxK}." : null);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        var model = models.Current ?? throw new ModelNotReadyException();
        var row = model.RowOf(itemId);
        if (row < 0) return TypedResults.Problem(statusCode: 404, title: $"Item '{itemId}' is not in model v{model.Version}.");
        return GeneratedJson.Ok(new SimilarItemsResponse(itemId, model.Version, Ranker.SimilarItems(model, row, k)), GatewayJsonContext.Default.SimilarItemsResponse);
    }

    private static async Task<Results<Ok<ItemView>, ValidationProblem, ProblemHttpResult>> GetItemAsync(
        string itemId, IServingModelProvider models, KeyedGrains<IItemGrain> items, IOptions<Grains.Items.LiveItemOptions> live, int recent = 20, int recentOffset = 0)
    {
        Dictionary<string, string[]>? errors = null;
        UsersEndpoints.Check(ref errors, "itemId", EventValidator.IdProblem(itemId));
        UsersEndpoints.Check(ref errors, "recent", recent < 0 || recent > live.Value.MaxRecent ? $"Must be from 0 to {live.Value.MaxRecent}." : null);
        UsersEndpoints.Check(ref errors, "recentOffset", recentOffset < 0 || recentOffset > live.Value.MaxRecent ? $"Must be from 0 to {live.Value.MaxRecent}." : null);
        if (errors is not null) return TypedResults.ValidationProblem(errors);
        var item = models.Catalog.Find(itemId);
        var model = models.Current;
        var row = model?.RowOf(itemId) ?? -1;
        var inModel = row >= 0;
        if (item is null && row < 0) return TypedResults.Problem(statusCode: 404, title: $"Item '{itemId}' is not in the catalog.");
        var grain = items.Get(itemId);
        var stats = await grain.GetStatsAsync();
        var artwork = item?.Artwork is { Count: > 0 } ? await grain.GetArtworkStatsAsync() : [];
        var page = await grain.GetRecentAsync(recentOffset, recent);
        return TypedResults.Ok(new ItemView(itemId, item?.Title ?? itemId, item?.Genres ?? [], item?.Tags ?? [], inModel, stats, ArtworkViews(item, artwork),
            Provenance(model, row), page));
    }

    // Trained, content-mapped or live: what the serving index holds for the row.
    private static VectorProvenance Provenance(ServingModel? model, int row)
    {
        if (model is null || row < 0) return new VectorProvenance("none", model?.Version ?? 0);
        var prior = row < model.ModelItems ? "trained" : "content";
        return model.LiveOf(row) is { } live
            ? new VectorProvenance("live", model.Version, live.Interactions, prior)
            : new VectorProvenance(prior, model.Version);
    }

    private static async Task<Results<Ok<ItemView>, Created<ItemView>, ValidationProblem>> PutItemAsync(
        string itemId, ItemUpsert body, ICatalogStore store, IServingModelProvider models, EventProducer producer, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        UsersEndpoints.Check(errors, "itemId", EventValidator.IdProblem(itemId));
        UsersEndpoints.Check(errors, "title", string.IsNullOrWhiteSpace(body.Title) ? "Required." : body.Title.Length > 500 ? "At most 500 characters." : null);
        UsersEndpoints.Check(errors, "genres", ListProblem(body.Genres, 20, 64));
        UsersEndpoints.Check(errors, "tags", ListProblem(body.Tags, 50, 64));
        ArtworkProblems(body.Artwork, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var existing = models.Catalog.Find(itemId);
        var item = new CatalogItem(itemId, body.Title!.Trim(), body.Genres?.Select(g => g.Trim()).ToArray() ?? [], body.Tags?.Select(t => t.Trim()).ToArray() ?? [],
            existing?.AddedAt ?? time.GetUtcNow(),
            body.Artwork is null ? existing?.Artwork : body.Artwork.Select(a => new ArtworkVariant(a.Id!.Trim(), a.Tags?.Select(t => t.Trim()).ToArray() ?? [])).ToArray());
        await store.UpsertAsync([item], cancellationToken);
        models.Catalog.Set([item]);
        models.RefreshCatalog();
        await CatalogAnnouncement.AnnounceAsync(producer, item, cancellationToken); // the other silos
        var view = new ItemView(itemId, item.Title, item.Genres, item.Tags, models.Current?.RowOf(itemId) >= 0, new ItemStats(0, 0, 0, 0, null),
            ArtworkViews(item, []));
        return existing is null ? TypedResults.Created($"/v1/items/{Uri.EscapeDataString(itemId)}", view) : TypedResults.Ok(view);
    }

    /// <summary>Most artwork variants per item.</summary>
    public const int MaxArtwork = 20;

    private static void ArtworkProblems(IReadOnlyList<ArtworkUpsert>? artwork, Dictionary<string, string[]> errors)
    {
        if (artwork is null) return;
        if (artwork.Count > MaxArtwork) { errors["artwork"] = [$"At most {MaxArtwork} variants."]; return; }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < artwork.Count; i++)
        {
            if (artwork[i] is not { } variant) { errors[$"artwork[{i}]"] = ["Must be an object."]; continue; }
            UsersEndpoints.Check(errors, $"artwork[{i}].id", EventValidator.IdProblem(variant.Id) ?? (ids.Add(variant.Id!.Trim()) ? null : $"'{variant.Id}' is used twice."));
            UsersEndpoints.Check(errors, $"artwork[{i}].tags", ListProblem(variant.Tags, 20, 64));
        }
    }

    private static List<ArtworkView>? ArtworkViews(CatalogItem? item, IReadOnlyList<ArtworkCounters> counters) =>
        item?.Artwork?.Select(a => counters.FirstOrDefault(c => c.Id == a.Id) is { } c
            ? new ArtworkView(a.Id, a.Tags, c.Impressions, c.Clicks)
            : new ArtworkView(a.Id, a.Tags, 0, 0)).ToList();

    private static string? ListProblem(IReadOnlyList<string>? values, int maxCount, int maxLength) =>
        values is null ? null
        : values.Count > maxCount ? $"At most {maxCount} entries."
        : values.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > maxLength || v.Contains('|')) ? $"Entries must be non-empty, at most {maxLength} characters, without '|'."
        : null;
}
