namespace Personalization.Silo.Gateway;

/// <summary>
/// The gateway's admission limit, bound from the <c>LoadShedding</c> section: an <see cref="AdaptiveConcurrencyLimiter"/>
/// for reads and another for writes. Beyond the limit requests are shed with 503 and <c>Retry-After</c> at once, so
/// the accepted ones keep a bounded latency and no queue grows without limit.
/// </summary>
public sealed class LoadSheddingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "LoadShedding";

    /// <summary>The highest limit, and the first: requests served at once, reads (GET) and writes apart (0 turns shedding off).</summary>
    public int MaxConcurrentRequests { get; set; } = 256;

    /// <summary>The lowest limit: however slow requests are, this many are always let in.</summary>
    public int MinConcurrentRequests { get; set; } = 4;

    /// <summary>The latency that at most 10% of the admitted requests may exceed in a window (from admission to the last byte written).</summary>
    public TimeSpan TargetLatency { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How often the limit is adjusted, from the requests that finished since.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(100);

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
