using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Personalization.Silo.Cluster;

/// <summary>
/// The silo's two listeners, as in Orleans: the gateway (HTTP/1.1 for clients: cleartext HTTP/2 cannot be
/// negotiated, and TLS belongs to the edge in front) and the silo endpoint (HTTP/2 only, so peers use
/// cleartext HTTP/2 with prior knowledge for forwarded calls).
/// </summary>
public static class SiloEndpoints
{
    /// <summary>Binds the gateway URLs and the silo URL on Kestrel.</summary>
    public static void Listen(KestrelServerOptions kestrel, IEnumerable<string> gatewayUrls, string siloUrl)
    {
        foreach (var url in gatewayUrls) Bind(kestrel, url, HttpProtocols.Http1);
        Bind(kestrel, siloUrl, HttpProtocols.Http2); // last: see Addresses
    }

    /// <summary>The bound (gateway, silo) addresses once the server started; the silo endpoint is bound last.</summary>
    public static (string Gateway, string Silo) Addresses(IServer server)
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];
        if (addresses.Count < 2) throw new InvalidOperationException("The silo needs a gateway and a silo endpoint.");
        return (addresses[0], addresses[^1]);
    }

    private static void Bind(KestrelServerOptions kestrel, string url, HttpProtocols protocols)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || uri.Scheme != "http")
            throw new InvalidOperationException($"'{url}' is not an http:// URL the silo can listen on (https termination belongs in front of it).");
        var address = uri.Host switch
        {
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(uri.Host, out var ip) => ip,
            _ => throw new InvalidOperationException($"Listen address '{uri.Host}' must be an IP address or localhost."),
        };
        kestrel.Listen(address, uri.Port, o => o.Protocols = protocols);
    }
}
