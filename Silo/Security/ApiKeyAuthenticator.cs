using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Personalization.Silo.Security;

/// <summary>The caller a request's <c>X-Api-Key</c> identified.</summary>
/// <param name="Name">The key's configured name (never the key).</param>
/// <param name="Role">What it may do.</param>
public sealed record ApiKeyIdentity(string Name, ApiKeyRole Role);

/// <summary>
/// Matches a presented key against the configured ones. Both sides are hashed with SHA-256 and compared
/// with <see cref="CryptographicOperations.FixedTimeEquals"/>, and every configured key is compared, so
/// the time taken tells an attacker neither how much of a key matched nor which key came close.
/// </summary>
public sealed class ApiKeyAuthenticator
{
    private static readonly object IdentityItem = new();
    private readonly (byte[] Hash, ApiKeyIdentity Identity)[] _keys;

    /// <summary>Creates the authenticator from the configured keys.</summary>
    public ApiKeyAuthenticator(IOptions<SecurityOptions> options)
    {
        var keys = options.Value.ApiKeys;
        foreach (var key in keys)
        {
            if (string.IsNullOrWhiteSpace(key.Name)) throw new InvalidOperationException("Every Security:ApiKeys entry needs a Name.");
            // Short keys can be guessed; say which entry without echoing the secret.
            if (string.IsNullOrEmpty(key.Key) || key.Key.Length < 16)
                throw new InvalidOperationException($"API key '{key.Name}' must be at least 16 characters long.");
        }
        var duplicate = keys.GroupBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"API key name '{duplicate.Key}' appears more than once.");
        _keys = keys.Select(k => (Hash(k.Key), new ApiKeyIdentity(k.Name, k.Role))).ToArray();
    }

    /// <summary>True when keys are configured (otherwise writes are open).</summary>
    public bool Enabled => _keys.Length > 0;

    /// <summary>The configured key names and roles, for the start-up log.</summary>
    public IEnumerable<ApiKeyIdentity> Identities => _keys.Select(k => k.Identity);

    /// <summary>The identity of <paramref name="presented"/>, or null when it matches no configured key.</summary>
    public ApiKeyIdentity? Find(string? presented)
    {
        if (string.IsNullOrEmpty(presented) || presented.Length > 1024) return null;
        var hash = Hash(presented);
        ApiKeyIdentity? found = null;
        foreach (var (candidate, identity) in _keys)
            if (CryptographicOperations.FixedTimeEquals(hash, candidate)) found ??= identity;
        return found;
    }

    /// <summary>
    /// The caller of <paramref name="context"/> (cached on the request, so the rate limiter's partitioning
    /// and the access check hash the key once between them).
    /// </summary>
    public ApiKeyIdentity? Identify(HttpContext context)
    {
        if (context.Items.TryGetValue(IdentityItem, out var cached)) return cached as ApiKeyIdentity;
        var identity = Enabled && context.Request.Headers.TryGetValue(SecurityOptions.HeaderName, out var values) && values.Count == 1
            ? Find(values[0])
            : null;
        context.Items[IdentityItem] = identity;
        return identity;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
