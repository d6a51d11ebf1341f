namespace Personalization.Silo.Security;

/// <summary>What an API key may do.</summary>
public enum ApiKeyRole
{
    /// <summary>Writes: events, catalog items, experiments.</summary>
    User,

    /// <summary>Everything a user key may do, and the operator endpoints under <c>/v1/admin</c>.</summary>
    Admin,
}

/// <summary>One configured API key.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>A name for the caller; it appears in logs and partitions rate limits (the key never does).</summary>
    public string Name { get; set; } = "";

    /// <summary>The secret sent in <c>X-Api-Key</c>.</summary>
    public string Key { get; set; } = "";

    /// <summary>What the key may do.</summary>
    public ApiKeyRole Role { get; set; } = ApiKeyRole.User;
}

/// <summary>Access control, bound from the <c>Security</c> section.</summary>
public sealed class SecurityOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Security";

    /// <summary>The header carrying the key.</summary>
    public const string HeaderName = "X-Api-Key";

    /// <summary>
    /// The accepted keys. None configured: write endpoints are open (the embedded default on loopback),
    /// and the silo says so when it starts.
    /// </summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

/// <summary>Per-client rate limit, bound from the <c>RateLimit</c> section.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "RateLimit";

    /// <summary>
    /// Sustained requests per second per client (API key name, else remote address). 0, the default,
    /// turns the limiter off so benchmarks and the embedded default pay nothing for it.
    /// </summary>
    public int PermitsPerSecond { get; set; }

    /// <summary>Requests a client may send at once before the sustained rate applies (0: equal to <see cref="PermitsPerSecond"/>).</summary>
    public int Burst { get; set; }

    /// <summary>True when a limit is configured.</summary>
    public bool Enabled => PermitsPerSecond > 0;
}
