using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Personalization.Silo.Security;

/// <summary>Wiring of API keys and the per-client rate limit into the silo.</summary>
public static class SecurityExtensions
{
    /// <summary>Binds <see cref="SecurityOptions"/> and <see cref="RateLimitOptions"/> and registers what enforces them.</summary>
    public static IServiceCollection AddSiloSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.Section));
        services.Configure<RateLimitOptions>(configuration.GetSection(RateLimitOptions.Section));
        services.AddSingleton<ApiKeyAuthenticator>();
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        if (!limits.Enabled) return services;
        if (limits.Burst < 0) throw new InvalidOperationException("RateLimit:Burst must not be negative.");
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, limits));
            o.OnRejected = OnRejectedAsync;
        });
        return services;
    }

    /// <summary>
    /// Adds the rate limiter (when configured) and the API key check (when keys are configured) to the
    /// pipeline, and logs the resulting posture. The limiter runs first so guessing keys is limited too.
    /// </summary>
    public static WebApplication UseSiloSecurity(this WebApplication app, IReadOnlyList<string> gatewayUrls)
    {
        var limits = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var authenticator = app.Services.GetRequiredService<ApiKeyAuthenticator>();
        if (limits.Enabled) app.UseRateLimiter();
        if (authenticator.Enabled) app.UseMiddleware<ApiKeyMiddleware>();

        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Personalization.Silo.Security");
        if (authenticator.Enabled)
            log.LogInformation("API keys: {Keys}; writes need a key, /v1/admin an admin key",
                string.Join(", ", authenticator.Identities.Select(i => $"{i.Name} ({i.Role.ToString().ToLowerInvariant()})")));
        else
        {
            log.LogWarning("No API keys configured: write endpoints are open. Configure Security:ApiKeys (Name, Key, Role) before exposing the gateway.");
            var exposed = gatewayUrls.Where(u => !IsLoopback(u)).ToList();
            if (exposed.Count > 0)
                log.LogCritical("SECURITY: the gateway listens on {Urls}, beyond loopback, with no API keys: anyone who reaches it can write events, edit the catalog and train models. Configure Security:ApiKeys.",
                    string.Join(", ", exposed));
        }
        if (limits.Enabled)
            log.LogInformation("Rate limit: {Permits} requests/s per client, burst {Burst} (by API key name, else remote address); /healthz is not limited",
                limits.PermitsPerSecond, BurstOf(limits));
        else
            log.LogInformation("Rate limit: off (RateLimit:PermitsPerSecond=0)");
        return app;
    }

    /// <summary>This endpoint (or group) needs an API key of at least <paramref name="role"/> when keys are configured.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder, ApiKeyRole role = ApiKeyRole.User) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ApiKeyRequirement(role));
        return builder;
    }

    private static int BurstOf(RateLimitOptions limits) => limits.Burst > 0 ? limits.Burst : limits.PermitsPerSecond;

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions limits)
    {
        // Health probes are not clients: limiting them would turn a busy client into failed health checks.
        if (context.Request.Path.StartsWithSegments("/healthz"))
            return RateLimitPartition.GetNoLimiter("exempt");
        var identity = context.RequestServices.GetRequiredService<ApiKeyAuthenticator>().Identify(context);
        var client = identity is not null ? "key:" + identity.Name : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = BurstOf(limits),
            TokensPerPeriod = limits.PermitsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests.",
                Detail = $"This client's rate limit is exhausted; retry after {seconds} s.",
            },
        });
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            return false;
        return uri.Host == "localhost" || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
