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

    /// <summary>Service name reported in telemetry.</summary>
    public string ServiceName { get; set; } = "personalization-silo";
}
