namespace Personalization.Silo.Gateway;

/// <summary>
/// The gateway's admission limit, bound from the <c>LoadShedding</c> section: beyond it, requests are shed with 503 and
/// <c>Retry-After</c> at once, so the accepted ones keep a bounded latency and no queue grows without limit.
/// </summary>
public sealed class LoadSheddingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "LoadShedding";

    /// <summary>
    /// Requests served at once, reads (GET) and writes apart (0 turns shedding off). Beyond a few per core, more slots
    /// only add waiting: on two cores 16 kept rows at twice the capacity at p99 95 ms, 64 let it reach seconds.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 16;

    /// <summary>Requests that wait for a slot, oldest first; one more is shed.</summary>
    public int QueueLimit { get; set; } = 16;

    /// <summary>The <c>Retry-After</c> of a shed request, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>
    /// Run Kestrel's request parsing and the limiter on the socket threads, not behind the thread pool's queue
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>): under CPU overload a request otherwise waits in that queue
    /// before the limiter can count it, so nothing is shed while clients wait seconds.
    /// </summary>
    public bool AdmitOnSocketThreads { get; set; } = true;

    /// <summary>True when a limit is configured.</summary>
    public bool Enabled => MaxConcurrentRequests > 0;
}
