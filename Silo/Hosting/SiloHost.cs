using Personalization.Silo.Dashboard;
using Personalization.Silo.Artwork;
using Personalization.Silo.Experiments;
using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Grains.Signals;
using Personalization.Runtime.Hosting;
using Personalization.Runtime.Membership;
using Personalization.Silo.Bootstrap;
using Personalization.Silo.Cluster;
using Personalization.Silo.Gateway;
using Personalization.Silo.Models;
using Personalization.Silo.Security;
using Personalization.Silo.Telemetry;
using Personalization.Silo.Training;
using Personalization.Storage;
using Personalization.Trainer.Training;

namespace Personalization.Silo.Hosting;

/// <summary>Builds the silo: grain runtime on Kafka, storage, embedded bootstrap and the gateway API.</summary>
public static class SiloHost
{
    /// <summary>The address the embedded default listens on.</summary>
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Builds the application from command-line arguments.</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json ships beside the binary; relative paths on the command line (--data-dir) still
        // resolve against the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = SiloArguments.Translate(args),
            ContentRootPath = AppContext.BaseDirectory,
        });
        // --urls (or ASPNETCORE_URLS) names the gateway; it is bound explicitly below, beside the silo endpoint.
        var gatewayUrls = (builder.Configuration["Gateway:Urls"] is { Length: > 0 } urls ? urls
            : builder.Configuration["urls"] is { Length: > 0 } env ? env : DefaultUrls).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseSetting("urls", null);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.IncludeScopes = true; });
        // Every log line written inside a request or a traced record carries its trace and span ids (as a scope).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        configure?.Invoke(builder);

        var services = builder.Services;
        var configuration = builder.Configuration;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddPersonalizationStorage(storage);
        services.AddSilo(configuration, silo => silo.AddPersonalizationGrains());

        services.Configure<BootstrapOptions>(configuration.GetSection(BootstrapOptions.Section));
        services.Configure<TrainingOptions>(configuration.GetSection(TrainingOptions.Section));
        services.Configure<GatewayOptions>(configuration.GetSection(GatewayOptions.Section));
        services.Configure<TrainingScheduleOptions>(configuration.GetSection(TrainingScheduleOptions.Section));
        services.AddSingleton<TrainingPipeline>();
        services.AddSingleton<TrainingCoordinator>();
        services.AddHostedService<TrainingScheduler>();
        services.AddSingleton<SiloStatus>();
        services.AddSingleton<ExperimentReporter>();
        services.AddSingleton<DashboardMetrics>();
        services.AddSingleton<RecentModels>();
        services.AddHostedService<ExperimentLoader>();
        services.AddHostedService<ModelUpdateListener>();
        services.AddHostedService<ArtworkPublisher>();
        services.AddHostedService<BootstrapService>();
        services.AddSiloTelemetry(configuration);
        services.AddSiloSecurity(configuration);

        services.AddProblemDetails();
        services.AddExceptionHandler<GrainExceptionHandler>();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.MaxRequestBodyBytes ?? 1_048_576;
            SiloEndpoints.Listen(kestrel, gatewayUrls, context.Configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>()?.SiloUrl ?? new ClusterOptions().SiloUrl);
        });
        services.AddSingleton<ISiloPropertiesSource, ModelVersionProperty>();
        services.AddHttpClient(ForwardToOwnerFilter.ClientName, c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                EnableMultipleHttp2Connections = true,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(2),
            })
            // Forwarded requests carry the caller's X-Api-Key: no header value may reach the client's logs.
            .RedactLoggedHeaders(_ => true);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseSiloSecurity(gatewayUrls);
        app.MapOpenApi();
        app.MapHealthEndpoints();
        app.MapEventsEndpoints();
        app.MapUsersEndpoints();
        app.MapItemsEndpoints();
        app.MapClusterEndpoints();
        app.MapAdminEndpoints();
        app.MapExperimentsEndpoints();
        app.MapDashboardEndpoints();
        app.Services.GetRequiredService<DashboardMetrics>(); // listening from the first request
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Personalization.Silo");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var (gateway, silo) = SiloEndpoints.Addresses(app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>());
            var identity = app.Services.GetRequiredService<SiloIdentity>();
            identity.Bind(gateway, silo);
            log.LogInformation("Silo {SiloId}: gateway {Gateway}, silo endpoint {SiloEndpoint} (HTTP/2); storage: {Storage}",
                identity.SiloId, gateway, silo, storage.Describe());
        });
        return app;
    }
}
