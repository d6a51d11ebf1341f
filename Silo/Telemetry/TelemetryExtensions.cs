using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Personalization.Grains.Users;
using Personalization.Runtime.Activation;

namespace Personalization.Silo.Telemetry;

/// <summary>
/// OpenTelemetry traces and metrics over OTLP. (OpenTelemetry.Extensions.Hosting is not obtainable
/// here, so the providers are built with the SDK directly and owned by the container.)
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Sources of the silo's spans.</summary>
    public static readonly string[] Sources = ["Microsoft.AspNetCore", "System.Net.Http", GrainRuntime.TelemetryName];

    /// <summary>Meters of the silo's metrics.</summary>
    public static readonly string[] Meters =
        ["System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", GrainRuntime.TelemetryName, UserGrain.MeterName];

    /// <summary>Adds OTLP export of traces and metrics when <see cref="TelemetryOptions.OtlpEndpoint"/> is set.</summary>
    public static IServiceCollection AddSiloTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint)) return services;
        var endpoint = new Uri(options.OtlpEndpoint);
        var resource = ResourceBuilder.CreateDefault().AddService(options.ServiceName, serviceInstanceId: Environment.MachineName + "/" + Environment.ProcessId);
        services.AddSingleton(_ => Sdk.CreateTracerProviderBuilder().SetResourceBuilder(resource).AddSource(Sources)
            .AddOtlpExporter(o => o.Endpoint = endpoint).Build());
        services.AddSingleton(_ => Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter(Meters)
            .AddOtlpExporter(o => o.Endpoint = endpoint).Build());
        services.AddHostedService<TelemetryActivator>();
        return services;
    }

    /// <summary>Resolves the providers at start so they listen from the first request.</summary>
    private sealed class TelemetryActivator(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.FromResult((tracer, meter));
        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
