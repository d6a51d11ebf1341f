using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Personalization.Silo.Gateway;

/// <summary>
/// The gateway's listeners: HTTP/1.1 for clients (cleartext HTTP/2 cannot be negotiated, and TLS belongs to the
/// edge in front). Silos talk to each other over Orleans' own silo port, not HTTP.
/// </summary>
public static class GatewayListener
{
    /// <summary>Binds the gateway URLs on Kestrel.</summary>
    public static void Listen(KestrelServerOptions kestrel, IEnumerable<string> gatewayUrls)
    {
        foreach (var url in gatewayUrls) Bind(kestrel, url);
    }

    /// <summary>The first bound gateway address once the server started.</summary>
    public static string Address(IServer server) =>
        server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
        ?? throw new InvalidOperationException("The gateway is not listening.");

    private static void Bind(KestrelServerOptions kestrel, string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme != "http")
            throw new InvalidOperationException($"'{url}' is not an http:// URL the gateway can listen on (https termination belongs in front of it).");
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(uri.Host, out var ip) => ip,
            _ => throw new InvalidOperationException($"Listen address '{uri.Host}' must be an IP address or localhost."),
        };
        kestrel.Listen(address, uri.Port, o => o.Protocols = HttpProtocols.Http1);
    }
}
