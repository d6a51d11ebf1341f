using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Personalization.Grains.Users;
using Personalization.Streaming;

namespace Personalization.Silo.Telemetry;

/// <summary>
/// OpenTelemetry through its hosting package: ASP.NET Core, HttpClient, runtime and Orleans instrumentation plus the
/// system's own sources; metrics on a Prometheus scrape endpoint (<c>/metrics</c>) always, and traces and metrics
/// over OTLP when <see cref="TelemetryOptions.OtlpEndpoint"/> is set.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Sources of the silo's spans: requests, Kafka produce and process, grain calls (Orleans').</summary>
    public static readonly string[] Sources =
        ["Microsoft.AspNetCore", "System.Net.Http", KafkaTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <summary>Meters of the silo's metrics besides the instrumented libraries'.</summary>
    public static readonly string[] Meters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting", "Microsoft.Orleans", KafkaTelemetry.Name, UserGrain.MeterName, "Personalization.Storage"];

    /// <summary>Registers the providers.</summary>
    public static IServiceCollection AddSiloTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = OptionsFrom(configuration);
        var otlp = string.IsNullOrWhiteSpace(options.OtlpEndpoint) ? null : new Uri(options.OtlpEndpoint);
        if (otlp is null && !options.Prometheus) return services; // nothing listens: the instruments cost nothing
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(options.ServiceName, serviceInstanceId: Environment.MachineName + "/" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddRuntimeInstrumentation().AddMeter(Meters)
                    // Orleans records some instruments per message and per call; listening to those cost the gateway a
                    // third of its throughput under load. The gauges and counters of activations, membership, storage,
                    // streams and the rest stay.
                    .AddView(instrument => IsPerCall(instrument) ? MetricStreamConfiguration.Drop : null);
                if (options.Prometheus) metrics.AddPrometheusExporter();
                if (otlp is not null) metrics.AddOtlpExporter(o => o.Endpoint = otlp);
            });
        if (otlp is not null)
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddSource(Sources)
                .AddOtlpExporter(o => o.Endpoint = otlp));
        return services;
    }

    /// <summary>
    /// Orleans' activity propagation (a span per grain call, the trace context in each call's request context) when
    /// <see cref="TelemetryOptions.TracesGrainCalls"/>: by default only when traces are exported.
    /// </summary>
    public static ISiloBuilder AddGrainCallTracing(this ISiloBuilder silo, IConfiguration configuration)
    {
        if (OptionsFrom(configuration).TracesGrainCalls) silo.AddActivityPropagation();
        return silo;
    }

    private static TelemetryOptions OptionsFrom(IConfiguration configuration) =>
        configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();

    private static readonly string[] PerCall = ["messaging", "app-requests", "scheduler", "networking", "directory-lookups", "manifest-cache", "gateway-received", "gateway-sent"];

    private static bool IsPerCall(System.Diagnostics.Metrics.Instrument instrument) =>
        instrument.Meter.Name == "Microsoft.Orleans" && PerCall.Any(part => instrument.Name.Contains(part, StringComparison.Ordinal));

    /// <summary>Maps the Prometheus scrape endpoint.</summary>
    public static IEndpointRouteBuilder MapSiloTelemetry(this IEndpointRouteBuilder app)
    {
        var options = OptionsFrom(app.ServiceProvider.GetRequiredService<IConfiguration>());
        if (options.Prometheus) app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
