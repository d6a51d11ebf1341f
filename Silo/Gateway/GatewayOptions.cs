namespace Personalization.Silo.Gateway;

/// <summary>Gateway limits, bound from the <c>Gateway</c> section.</summary>
public sealed class GatewayOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Gateway";

    /// <summary>Largest request body, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>
    /// Longest wait for Kafka to acknowledge the events of one <c>POST /v1/events</c>; then the answer is 503 with
    /// <c>Retry-After</c>, so an unreachable broker never makes a client hang. Some of the events may still be written
    /// after it: a client that retries with the same <c>eventId</c>s has each applied once.
    /// </summary>
    public TimeSpan EventWriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Slowest request body accepted, in bytes per second after a grace period of five seconds (Kestrel's minimum
    /// body data rate; its default, 240): a client that uploads slower is cut off with 408, so slow uploads cannot hold
    /// the gateway's write slots. 0 turns the minimum off.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; set; } = 240;

    /// <summary>Most events in one <c>POST /v1/events</c>.</summary>
    public int MaxEventsPerRequest { get; set; } = 1_000;

    /// <summary>Largest k for recommendations and similar items.</summary>
    public int MaxK { get; set; } = 200;

    /// <summary>Most rows on a page.</summary>
    public int MaxRows { get; set; } = 20;

    /// <summary>Most items per row.</summary>
    public int MaxPerRow { get; set; } = 50;
}
