using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Net.Sockets;
using Personalization.Contracts;

namespace Personalization.Client.Routing;

/// <summary>
/// Sends each request to a live gateway: the seeds and every live silo's gateway (learned from <c>GET /v1/cluster</c>,
/// refreshed periodically and after a failure). Any silo serves any user or item (Orleans finds the grain), so the
/// client only needs one that answers; a silo that refuses connections is skipped for a while.
/// </summary>
/// <remarks>
/// Relative request URIs are resolved against the chosen gateway. Moving on to another silo after a refused
/// connection is safe for every request, writes included: nothing reached the server. Other transport failures end
/// the attempt here; <see cref="Resilience.RetryHandler"/> decides whether repeating the call is safe.
/// </remarks>
public sealed class GatewayFailoverHandler(PersonalizationClientOptions options, TimeProvider time) : DelegatingHandler
{
    /// <summary>The request option naming the gateway an attempt went to.</summary>
    public static readonly HttpRequestOptionsKey<Uri> Gateway = new("Personalization.Gateway");

    private readonly ConcurrentDictionary<Uri, DateTimeOffset> _suspects = new();
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile GatewayList? _map;
    private long _fallbacks, _refusals;

    /// <summary>The live gateways, if they were learned.</summary>
    public GatewayList? Map => _map;

    /// <summary>Requests that went to another gateway because the first refused the connection.</summary>
    public long Fallbacks => Interlocked.Read(ref _fallbacks);

    /// <summary>Connections refused by a gateway (while learning the gateways or sending a request).</summary>
    public long Refusals => Interlocked.Read(ref _refusals);

    /// <summary>The gateway the most recent request was answered by.</summary>
    public Uri? LastGateway { get; private set; }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var relative = PathOf(request);
        var map = await MapAsync(cancellationToken).ConfigureAwait(false);
        HttpRequestException? last = null;
        var first = true;
        foreach (var gateway in Candidates(map))
        {
            request.RequestUri = new Uri(gateway, relative);
            request.Options.Set(Gateway, gateway);
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!first) Interlocked.Increment(ref _fallbacks);
                LastGateway = gateway;
                return response;
            }
            catch (HttpRequestException ex) when (Refused(ex))
            {
                // Nothing reached this silo: try the next one, and relearn the map (it may have died).
                last = ex;
                first = false;
                Interlocked.Increment(ref _refusals);
                _suspects[gateway] = time.GetUtcNow() + options.SuspectFor;
                _map = null;
            }
        }
        throw last ?? new HttpRequestException("No gateway to send the request to.");
    }

    /// <summary>Forgets the map so the next request learns it again.</summary>
    public void Invalidate() => _map = null;

    private IEnumerable<Uri> Candidates(GatewayList? map)
    {
        var now = time.GetUtcNow();
        var all = new List<Uri>();
        all.AddRange(options.Seeds.Select(s => GatewayList.Normalize(s.ToString())));
        all.AddRange(map?.Gateways ?? []);
        var distinct = all.Distinct().ToList();
        // Healthy ones first, in that order; suspects last, as a last resort.
        return distinct.Where(g => !IsSuspect(g, now)).Concat(distinct.Where(g => IsSuspect(g, now)));
    }

    private bool IsSuspect(Uri gateway, DateTimeOffset now) => _suspects.TryGetValue(gateway, out var until) && until > now;

    private async Task<GatewayList?> MapAsync(CancellationToken cancellationToken)
    {
        var map = _map;
        if (!options.DiscoverGateways) return map;
        if (map is not null && time.GetUtcNow() - map.LearnedAt < options.MapRefreshInterval) return map;
        if (!await _refresh.WaitAsync(0, cancellationToken).ConfigureAwait(false)) return map; // another request is refreshing
        try
        {
            foreach (var gateway in Candidates(map))
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, "v1/cluster"));
                    using var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    if (!response.IsSuccessStatusCode) continue;
                    var view = await response.Content.ReadFromJsonAsync<ClusterView>(cancellationToken).ConfigureAwait(false);
                    if (view?.Silos is null) continue;
                    return _map = GatewayList.From(view, time.GetUtcNow());
                }
                catch (HttpRequestException ex) when (Refused(ex))
                {
                    Interlocked.Increment(ref _refusals);
                    _suspects[gateway] = time.GetUtcNow() + options.SuspectFor;
                }
                catch (System.Text.Json.JsonException)
                {
                    // Not a gateway of this API; try the next.
                }
            }
            return map;
        }
        finally
        {
            _refresh.Release();
        }
    }

    private static string PathOf(HttpRequestMessage request)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("The request has no URI.");
        return uri.IsAbsoluteUri ? uri.PathAndQuery.TrimStart('/') : uri.OriginalString.TrimStart('/');
    }

    private static bool Refused(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.ConnectionError
        || ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable };
}
