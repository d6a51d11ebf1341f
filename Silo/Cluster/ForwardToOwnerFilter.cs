using Personalization.Runtime;
using Personalization.Runtime.Activation;
using Personalization.Runtime.Membership;
using Personalization.Runtime.Placement;

namespace Personalization.Silo.Cluster;

/// <summary>
/// Sends a request for a grain to the silo that owns the grain's partition. Local grains are served
/// here; others are forwarded once over HTTP/2 to the owner's silo endpoint. When no live owner is
/// known (a rebalance is under way), or a forwarded request reaches a silo that is not the owner, the
/// answer is 503 with Retry-After: never a 500, never an answer from a silo that lost the partition.
/// </summary>
public sealed class ForwardToOwnerFilter(string grainType, string routeKey) : IEndpointFilter
{
    /// <summary>Header marking a request forwarded by a peer (it is never forwarded again).</summary>
    public const string ForwardedHeader = "X-Personalization-Forwarded-By";

    /// <summary>Response header naming the silo whose grain answered.</summary>
    public const string ServedByHeader = "X-Personalization-Served-By";

    /// <summary>Name of the HTTP client used for forwarding.</summary>
    public const string ClientName = "silo-to-silo";

    /// <inheritdoc />
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.GetRouteValue(routeKey) is not string key || key.Length == 0) return await next(context);
        var services = http.RequestServices;
        var placement = services.GetRequiredService<GrainRuntime>().PlacementOf(new GrainId(grainType, key));
        var identity = services.GetRequiredService<SiloIdentity>();
        if (placement is not { } p || services.GetRequiredService<PartitionOwnership>().Owns(p.Topic, p.Partition))
        {
            // Served here: say so, as a forwarded answer does, so clients can check their routing.
            http.Response.Headers[ServedByHeader] = identity.SiloId;
            return await next(context);
        }

        var owner = services.GetRequiredService<ClusterDirectory>().OwnerOf(p.Topic, p.Partition);
        if (http.Request.Headers.ContainsKey(ForwardedHeader) || owner is null || owner.SiloId == identity.SiloId)
            throw new GrainNotOwnedException(new GrainId(grainType, key), p.Topic, p.Partition);

        var target = new Uri(owner.SiloEndpoint + http.Request.Path + http.Request.QueryString);
        using var request = new HttpRequestMessage(new HttpMethod(http.Request.Method), target)
        {
            Version = System.Net.HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.TryAddWithoutValidation(ForwardedHeader, identity.SiloId);
        // The HttpClient's diagnostics handler writes traceparent from the current activity (the incoming
        // request's span, so the owner's span is its child); copy the caller's only when nothing traces here.
        if (System.Diagnostics.Activity.Current is null && http.Request.Headers.TraceParent is { Count: > 0 } traceParent)
            request.Headers.TryAddWithoutValidation("traceparent", traceParent.ToString());
        // The owner checks the caller's key itself (both listeners enforce keys), so the key travels with the request.
        if (http.Request.Headers.TryGetValue(Security.SecurityOptions.HeaderName, out var apiKey) && apiKey.Count == 1)
            request.Headers.TryAddWithoutValidation(Security.SecurityOptions.HeaderName, apiKey.ToString());
        // The owner derives the page context (the device) from the client's User-Agent.
        if (http.Request.Headers.UserAgent is { Count: > 0 } userAgent) request.Headers.TryAddWithoutValidation("User-Agent", userAgent.ToString());
        if (http.Request.ContentLength > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            request.Content = new StreamContent(http.Request.Body);
            if (http.Request.ContentType is { } contentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        HttpResponseMessage response;
        try
        {
            response = await services.GetRequiredService<IHttpClientFactory>().CreateClient(ClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, http.RequestAborted);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !http.RequestAborted.IsCancellationRequested)
        {
            // The owner is unreachable (it may have just died): the caller comes back after the rebalance.
            throw new GrainNotOwnedException(new GrainId(grainType, key), p.Topic, p.Partition);
        }
        using (response)
        {
            http.Response.StatusCode = (int)response.StatusCode;
            if (response.Content.Headers.ContentType is { } type) http.Response.ContentType = type.ToString();
            if (response.Headers.RetryAfter is { } retry) http.Response.Headers.RetryAfter = retry.ToString();
            if (response.Headers.Location is { } location) http.Response.Headers.Location = location.ToString();
            http.Response.Headers[ServedByHeader] = owner.SiloId;
            await response.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }
        return Results.Empty;
    }
}

/// <summary>Attaching <see cref="ForwardToOwnerFilter"/> to routes.</summary>
public static class ForwardToOwnerExtensions
{
    /// <summary>Routes requests of these endpoints to the owner of the grain named by <paramref name="routeKey"/>.</summary>
    public static TBuilder ForwardToOwner<TBuilder>(this TBuilder builder, string grainType, string routeKey) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(new ForwardToOwnerFilter(grainType, routeKey));
}
