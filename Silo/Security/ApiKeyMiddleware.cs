namespace Personalization.Silo.Security;

/// <summary>Endpoint metadata: the endpoint needs an API key of at least this role (see <see cref="SecurityExtensions.RequireApiKey{TBuilder}"/>).</summary>
/// <param name="Role">The least role accepted.</param>
public sealed record ApiKeyRequirement(ApiKeyRole Role);

/// <summary>
/// Enforces API keys when any are configured. The rule is by path and verb, so write endpoints mapped
/// anywhere (including groups added later) are covered without each remembering to opt in:
/// everything under <c>/v1/admin</c> (reads too: run details and the model registry are operator data)
/// needs an admin key; any other unsafe method (POST, PUT, PATCH, DELETE) under <c>/v1/</c> needs a user
/// or admin key; endpoints may ask for more with <see cref="ApiKeyRequirement"/> metadata. Reads of
/// users, items, the cluster view, <c>/healthz</c> and OpenAPI stay open.
/// It runs on both listeners: the silo endpoint serves the same routes, so exempting it would be a way
/// round the check.
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyAuthenticator authenticator, IProblemDetailsService problems, ILogger<ApiKeyMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var required = RequiredRole(context);
        if (required is null) return next(context);
        var identity = authenticator.Identify(context);
        if (identity is null)
        {
            // The presented key is neither logged nor echoed: only whether one was sent.
            logger.LogDebug("{Method} {Path}: {Reason}", context.Request.Method, context.Request.Path,
                context.Request.Headers.ContainsKey(SecurityOptions.HeaderName) ? "unknown API key" : "no API key");
            context.Response.Headers.WWWAuthenticate = $"ApiKey header=\"{SecurityOptions.HeaderName}\"";
            return WriteAsync(context, StatusCodes.Status401Unauthorized, "An API key is required.",
                $"Send a valid key in the {SecurityOptions.HeaderName} header.");
        }
        if (required == ApiKeyRole.Admin && identity.Role != ApiKeyRole.Admin)
        {
            logger.LogDebug("{Method} {Path}: key {KeyName} is not an admin key", context.Request.Method, context.Request.Path, identity.Name);
            return WriteAsync(context, StatusCodes.Status403Forbidden, "This endpoint needs an admin key.",
                $"The key '{identity.Name}' has the role {identity.Role}.");
        }
        return next(context);
    }

    /// <summary>The least role the request needs, or null when it is open.</summary>
    internal static ApiKeyRole? RequiredRole(HttpContext context)
    {
        var path = context.Request.Path;
        if (path.StartsWithSegments("/v1/admin", StringComparison.OrdinalIgnoreCase)) return ApiKeyRole.Admin;
        var fromMetadata = context.GetEndpoint()?.Metadata.GetOrderedMetadata<ApiKeyRequirement>().Select(r => (ApiKeyRole?)r.Role).Max();
        if (fromMetadata is not null) return fromMetadata;
        var method = context.Request.Method;
        var safe = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method) || HttpMethods.IsTrace(method);
        return !safe && path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase) ? ApiKeyRole.User : null;
    }

    private async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
