using System.Net;

namespace Personalization.Silo.Security;

/// <summary>Wiring of API keys into the silo (the per-client rate limit is one of the gateway's request limits).</summary>
public static class SecurityExtensions
{
    /// <summary>Binds <see cref="SecurityOptions"/> and registers what enforces them.</summary>
    public static IServiceCollection AddSiloSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<SecurityOptions>(configuration.GetSection(SecurityOptions.Section));
        services.AddSingleton<ApiKeyAuthenticator>();
        return services;
    }

    /// <summary>
    /// Adds the API key check (when keys are configured) to the pipeline, after the request limits (so guessing keys
    /// is limited too), and logs the resulting posture.
    /// </summary>
    public static WebApplication UseSiloSecurity(this WebApplication app, IReadOnlyList<string> gatewayUrls)
    {
        var authenticator = app.Services.GetRequiredService<ApiKeyAuthenticator>();
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
        return app;
    }

    /// <summary>This endpoint (or group) needs an API key of at least <paramref name="role"/> when keys are configured.</summary>
    public static TBuilder RequireApiKey<TBuilder>(this TBuilder builder, ApiKeyRole role = ApiKeyRole.User) where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(new ApiKeyRequirement(role));
        return builder;
    }

    private static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            return false;
        return uri.Host == "localhost" || (IPAddress.TryParse(uri.Host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
