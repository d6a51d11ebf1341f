namespace Personalization.Silo.Gateway;

/// <summary>
/// The gateway's admission limit, bound from the <c>LoadShedding</c> section: beyond it, requests are shed with 503 and
/// <c>Retry-After</c> at once, so the accepted ones keep a bounded latency and no queue grows without limit.
/// </summary>
public sealed class LoadSheddingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "LoadShedding";

    /// <summary>Requests served at once (0 turns shedding off).</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests that wait for a slot, oldest first; one more is shed.</summary>
    public int QueueLimit { get; set; } = 64;

    /// <summary>The <c>Retry-After</c> of a shed request, in seconds.</summary>
    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>True when a limit is configured.</summary>
    public bool Enabled => MaxConcurrentRequests > 0;
}
