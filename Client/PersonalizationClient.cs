using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Personalization.Contracts;

namespace Personalization.Client;

/// <summary>
/// Typed client for the gateway API. Errors surface as <see cref="PersonalizationApiException"/> carrying
/// the RFC 9457 problem details the gateway answered with.
/// </summary>
public sealed partial class PersonalizationClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The header carrying an API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>A client for the gateway at <paramref name="baseAddress"/>.</summary>
    public PersonalizationClient(Uri baseAddress) : this(new HttpClient { BaseAddress = baseAddress }) { }

    /// <summary>
    /// A client for the gateway at <paramref name="baseAddress"/> that authenticates with <paramref name="apiKey"/>
    /// (required for writes when the gateway has API keys configured; null sends none).
    /// </summary>
    public PersonalizationClient(Uri baseAddress, string? apiKey) : this(WithApiKey(new HttpClient { BaseAddress = baseAddress }, apiKey)) { }

    /// <summary>
    /// A client over <paramref name="http"/> that authenticates with <paramref name="apiKey"/>: the key is
    /// added to <paramref name="http"/>'s default request headers (null leaves them as they are).
    /// </summary>
    public PersonalizationClient(HttpClient http, string? apiKey) : this(WithApiKey(http, apiKey)) { }

    private static HttpClient WithApiKey(HttpClient http, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (apiKey is null) return http;
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        http.DefaultRequestHeaders.Remove(ApiKeyHeader);
        http.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        return http;
    }

    /// <summary>The underlying HTTP client.</summary>
    public HttpClient Http => http;

    /// <summary>
    /// Records events; returns how many were accepted (all, or an exception). An event without
    /// <see cref="InteractionEvent.EventId"/> gets a new one here, so a retry of the request (after a 503 that may
    /// follow a partial write) applies each event once.
    /// </summary>
    public async Task<int> TrackAsync(IEnumerable<InteractionEvent> events, CancellationToken cancellationToken = default)
    {
        using var activity = StartCall("POST", "v1/events");
        var identified = events.Select(e => e.EventId is null ? e with { EventId = Guid.CreateVersion7().ToString() } : e).ToList();
        using var response = await http.PostAsJsonAsync("v1/events", identified, Json, cancellationToken).ConfigureAwait(false);
        return (await ReadAsync<EventsAccepted>(response, cancellationToken).ConfigureAwait(false)).Accepted;
    }

    /// <summary>Top items for a user.</summary>
    public Task<RecommendationsResponse> GetRecommendationsAsync(string userId, int k = 20, CancellationToken cancellationToken = default) =>
        GetAsync<RecommendationsResponse>($"v1/users/{Uri.EscapeDataString(userId)}/recommendations?k={k}", cancellationToken);

    /// <summary>The user's home page rows.</summary>
    /// <param name="userId">The user.</param>
    /// <param name="rows">Most rows.</param>
    /// <param name="perRow">Most items per row.</param>
    /// <param name="device">tv, mobile, web or tablet; the silo derives it from the User-Agent when null.</param>
    /// <param name="hour">The user's local hour (0–23); the silo's clock when null.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public Task<RowsResponse> GetRowsAsync(string userId, int rows = 6, int perRow = 20, string? device = null, int? hour = null, CancellationToken cancellationToken = default) =>
        GetAsync<RowsResponse>($"v1/users/{Uri.EscapeDataString(userId)}/rows?rows={rows}&perRow={perRow}"
            + (device is null ? "" : $"&device={Uri.EscapeDataString(device)}") + (hour is null ? "" : $"&hour={hour}"), cancellationToken);

    /// <summary>The user's grain state.</summary>
    public Task<UserView> GetUserAsync(string userId, int recent = 20, CancellationToken cancellationToken = default) =>
        GetAsync<UserView>($"v1/users/{Uri.EscapeDataString(userId)}?recent={recent}", cancellationToken);

    /// <summary>Items similar to an item.</summary>
    public Task<SimilarItemsResponse> GetSimilarAsync(string itemId, int k = 20, CancellationToken cancellationToken = default) =>
        GetAsync<SimilarItemsResponse>($"v1/items/{Uri.EscapeDataString(itemId)}/similar?k={k}", cancellationToken);

    /// <summary>An item's catalog entry and live counters, where its vector comes from, and its 20 most recent interactions.</summary>
    public Task<ItemView> GetItemAsync(string itemId, CancellationToken cancellationToken = default) =>
        GetAsync<ItemView>($"v1/items/{Uri.EscapeDataString(itemId)}", cancellationToken);

    /// <summary>An item as <see cref="GetItemAsync(string, CancellationToken)"/>, with a chosen page of its recent interactions.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="recent">Interactions on the page (newest first).</param>
    /// <param name="recentOffset">How many of the newest to skip.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<ItemView> GetItemAsync(string itemId, int recent, int recentOffset = 0, CancellationToken cancellationToken = default) =>
        GetAsync<ItemView>($"v1/items/{Uri.EscapeDataString(itemId)}?recent={recent}&recentOffset={recentOffset}", cancellationToken);

    /// <summary>Creates or updates a catalog item.</summary>
    public async Task<ItemView> PutItemAsync(string itemId, ItemUpsert item, CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync($"v1/items/{Uri.EscapeDataString(itemId)}", item, Json, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<ItemView>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Defines an experiment (409 when it exists).</summary>
    public async Task<ExperimentView> CreateExperimentAsync(ExperimentDefinition experiment, CancellationToken cancellationToken = default)
    {
        using var response = await http.PostAsJsonAsync("v1/experiments", experiment, Json, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<ExperimentView>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Changes an experiment; users keep their variants unless <paramref name="reassign"/> starts a new epoch.</summary>
    public async Task<ExperimentView> ChangeExperimentAsync(string experimentId, ExperimentDefinition experiment, bool reassign = false, CancellationToken cancellationToken = default)
    {
        using var response = await http.PutAsJsonAsync($"v1/experiments/{Uri.EscapeDataString(experimentId)}?reassign={(reassign ? "true" : "false")}",
            experiment, Json, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<ExperimentView>(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The running experiments.</summary>
    public Task<IReadOnlyList<ExperimentView>> ListExperimentsAsync(CancellationToken cancellationToken = default) =>
        GetAsync<IReadOnlyList<ExperimentView>>("v1/experiments", cancellationToken);

    /// <summary>The analysis of an experiment's current epoch.</summary>
    public Task<ExperimentReport> GetExperimentReportAsync(string experimentId, CancellationToken cancellationToken = default) =>
        GetAsync<ExperimentReport>($"v1/experiments/{Uri.EscapeDataString(experimentId)}", cancellationToken);

    /// <summary>True when the silo answers <c>/healthz</c> with 200.</summary>
    public async Task<bool> IsServingAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await http.GetAsync("healthz", cancellationToken).ConfigureAwait(false);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var activity = StartCall("GET", path);
        using var response = await http.GetAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync<T>(response, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            ProblemDetailsBody? problem = null;
            try
            {
                problem = await response.Content.ReadFromJsonAsync<ProblemDetailsBody>(Json, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException)
            {
            }
            throw new PersonalizationApiException(response.StatusCode, problem?.Title ?? response.ReasonPhrase ?? "Request failed",
                problem?.Errors ?? new Dictionary<string, string[]>(), response.Headers.RetryAfter?.Delta);
        }
        return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken).ConfigureAwait(false)
            ?? throw new PersonalizationApiException(response.StatusCode, "Empty response body", new Dictionary<string, string[]>(), null);
    }

    private sealed record ProblemDetailsBody(string? Title, int? Status, string? Detail, Dictionary<string, string[]>? Errors);
}

/// <summary>An error answer of the gateway.</summary>
public sealed class PersonalizationApiException(HttpStatusCode status, string title, IReadOnlyDictionary<string, string[]> errors, TimeSpan? retryAfter)
    : Exception($"{(int)status} {title}")
{
    /// <summary>HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>Problem title.</summary>
    public string Title { get; } = title;

    /// <summary>Validation errors by field.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    /// <summary>Retry-After, when the gateway asked to come back.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
