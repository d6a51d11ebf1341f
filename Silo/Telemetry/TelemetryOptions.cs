namespace Personalization.Silo.Telemetry;

/// <summary>Telemetry settings, bound from the <c>Telemetry</c> section.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Telemetry";

    /// <summary>OTLP endpoint (e.g. http://127.0.0.1:4317); traces and metrics are exported only when set.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>Serve metrics to Prometheus at <c>GET /metrics</c> (default on).</summary>
    public bool Prometheus { get; set; } = true;

    /// <summary>
    /// Spans for grain calls, and the trace context carried in each call's request context (Orleans' activity
    /// propagation). Null, the default: on exactly when traces are exported (<see cref="OtlpEndpoint"/> set). Off, a call
    /// carries no trace header and passes no filter on either side, for spans nobody would receive.
    /// </summary>
    public bool? GrainCallTracing { get; set; }

    /// <summary>Whether grain calls carry trace context: <see cref="GrainCallTracing"/>, or else whether traces are exported.</summary>
    public bool TracesGrainCalls => GrainCallTracing ?? !string.IsNullOrWhiteSpace(OtlpEndpoint);

    /// <summary>Service name reported in telemetry.</summary>
    public string ServiceName { get; set; } = "personalization-silo";
}
