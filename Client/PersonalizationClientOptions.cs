namespace Personalization.Client;

/// <summary>How a <see cref="PersonalizationClient"/> built by <see cref="PersonalizationClient.Create"/> reaches the cluster.</summary>
public sealed class PersonalizationClientOptions
{
    /// <summary>Gateways to start from (any silo of the cluster); the client learns the others from <c>GET /v1/cluster</c>.</summary>
    public IList<Uri> Seeds { get; } = [];

    /// <summary>The key sent as <c>X-Api-Key</c> (when the cluster requires one).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Learn every live silo's gateway from <c>GET /v1/cluster</c>, to fail over beyond the seeds (default on).</summary>
    public bool DiscoverGateways { get; set; } = true;

    /// <summary>How often the list of live gateways is refreshed even when nothing failed.</summary>
    public TimeSpan MapRefreshInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a silo that refused a connection is skipped.</summary>
    public TimeSpan SuspectFor { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts after the first for a call that is safe to repeat (reads, item and experiment PUTs).</summary>
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; doubles per attempt, with jitter, unless the server says <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest wait before one retry (caps a server's <c>Retry-After</c> too).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Time limit of one attempt.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time limit of a whole call, retries included (the deadline; a caller's token can cut it shorter).</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Events per <c>POST /v1/events</c> of the batching sink (the gateway accepts up to 1,000).</summary>
    public int EventBatchSize { get; set; } = 500;

    /// <summary>Events the batching sink holds before <c>TrackAsync</c> waits (back-pressure).</summary>
    public int EventQueueCapacity { get; set; } = 10_000;

    /// <summary>Longest an event waits in the sink before its batch is sent.</summary>
    public TimeSpan EventFlushInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Checks the options, naming the first bad one.</summary>
    public void Validate()
    {
        if (Seeds.Count == 0) throw new ArgumentException("At least one seed gateway is required.", nameof(Seeds));
        if (Seeds.Any(s => s is null || !s.IsAbsoluteUri)) throw new ArgumentException("Seeds must be absolute URIs.", nameof(Seeds));
        if (MaxRetries < 0) throw new ArgumentOutOfRangeException(nameof(MaxRetries), MaxRetries, "Must be ≥ 0.");
        if (EventBatchSize is < 1 or > 1000) throw new ArgumentOutOfRangeException(nameof(EventBatchSize), EventBatchSize, "Must be from 1 to 1,000.");
        if (EventQueueCapacity < EventBatchSize) throw new ArgumentOutOfRangeException(nameof(EventQueueCapacity), EventQueueCapacity, "Must hold at least one batch.");
        foreach (var (name, value) in new[] { (nameof(RetryDelay), RetryDelay), (nameof(AttemptTimeout), AttemptTimeout), (nameof(Deadline), Deadline),
                     (nameof(EventFlushInterval), EventFlushInterval), (nameof(MapRefreshInterval), MapRefreshInterval) })
            if (value <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(name, value, "Must be positive.");
    }
}
