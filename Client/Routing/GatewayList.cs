using Personalization.Contracts;

namespace Personalization.Client.Routing;

/// <summary>The gateways of the live silos in a <see cref="ClusterView"/>.</summary>
public sealed class GatewayList
{
    private GatewayList(IReadOnlyList<Uri> gateways, DateTimeOffset learnedAt)
    {
        Gateways = gateways;
        LearnedAt = learnedAt;
    }

    /// <summary>The live silos' gateways.</summary>
    public IReadOnlyList<Uri> Gateways { get; }

    /// <summary>When the list was learned.</summary>
    public DateTimeOffset LearnedAt { get; }

    /// <summary>The gateways of the live silos in <paramref name="view"/>.</summary>
    public static GatewayList From(ClusterView view, DateTimeOffset now) =>
        new(view.Silos.Where(s => s.Status == "alive" && Uri.TryCreate(s.Endpoint, UriKind.Absolute, out _)).Select(s => Normalize(s.Endpoint)).ToList(), now);

    /// <summary>A gateway address as a base URI (with the trailing slash relative paths resolve under).</summary>
    internal static Uri Normalize(string endpoint) => new(endpoint.EndsWith('/') ? endpoint : endpoint + "/");
}
