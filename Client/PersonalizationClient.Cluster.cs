using System.Diagnostics;
using Personalization.Client.Events;
using Personalization.Client.Resilience;
using Personalization.Client.Routing;
using Personalization.Contracts;

namespace Personalization.Client;

public sealed partial class PersonalizationClient
{
    /// <summary>Name of the client's <see cref="ActivitySource"/> (one span per call, retries inside it).</summary>
    public const string TelemetryName = "Personalization.Client";

    internal static readonly ActivitySource Source = new(TelemetryName);

    /// <summary>
    /// A client for a cluster: starts from <see cref="PersonalizationClientOptions.Seeds"/>, learns the live gateways,
    /// moves on to another when one refuses connections, retries what is safe to retry, and holds every call to its
    /// deadline. Trace context (W3C <c>traceparent</c>) goes with every request.
    /// </summary>
    /// <param name="options">Seeds, discovery, retries and limits.</param>
    /// <param name="time">The clock of retry delays, per-attempt limits, deadlines and gateway discovery (the system's if null).</param>
    /// <param name="transport">The innermost handler (sockets if null).</param>
    public static PersonalizationClient Create(PersonalizationClientOptions options, TimeProvider? time = null, HttpMessageHandler? transport = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        time ??= TimeProvider.System;
        var routing = new GatewayFailoverHandler(options, time)
        {
            InnerHandler = transport ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2), ConnectTimeout = TimeSpan.FromSeconds(2) },
        };
        var retry = new RetryHandler(options, time: time) { InnerHandler = routing };
        // The handlers own the deadline and the per-attempt limit; HttpClient's own timeout must not cut them short.
        var http = new HttpClient(retry) { BaseAddress = new Uri("http://gateway.invalid/"), Timeout = Timeout.InfiniteTimeSpan };
        if (options.ApiKey is { Length: > 0 } key) http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return new PersonalizationClient(http) { Routing = routing, Options = options };
    }

    /// <summary>The routing of a client made by <see cref="Create"/> (null for one over a plain <see cref="HttpClient"/>).</summary>
    public GatewayFailoverHandler? Routing { get; private init; }

    /// <summary>The options of a client made by <see cref="Create"/>.</summary>
    public PersonalizationClientOptions? Options { get; private init; }

    /// <summary>The cluster: silos, their partitions, activations, lag and model versions.</summary>
    public Task<ClusterView> GetClusterAsync(CancellationToken cancellationToken = default) =>
        GetAsync<ClusterView>("v1/cluster", cancellationToken);

    /// <summary>
    /// A batching event sink over this client (bounded queue, back-pressure); dispose it to send what is queued.
    /// </summary>
    public EventBatcher CreateEventBatcher(Action<IReadOnlyList<InteractionEvent>, Exception>? onRejected = null) =>
        new(this, Options ?? new PersonalizationClientOptions(), onRejected);

    // Span names use the route, not the ids in it (low cardinality); the path is a tag.
    private static Activity? StartCall(string method, string path)
    {
        var route = path.Split('?', 2)[0].Split('/');
        for (var i = 1; i < route.Length; i++)
            if (route[i - 1] is "users" or "items" or "experiments") route[i] = "{id}";
        var activity = Source.StartActivity($"{method} /{string.Join('/', route)}", ActivityKind.Internal);
        activity?.SetTag("url.path", "/" + path.Split('?', 2)[0]);
        return activity;
    }
}
