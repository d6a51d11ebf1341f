using Microsoft.Extensions.Options;
using Personalization.Grains;
using Personalization.Grains.Signals;
using Personalization.Runtime.Hosting;
using Personalization.Silo.Bootstrap;
using Personalization.Silo.Gateway;
using Personalization.Silo.Models;
using Personalization.Silo.Telemetry;
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
        if (string.IsNullOrEmpty(builder.Configuration["urls"]) && string.IsNullOrEmpty(builder.Configuration["ASPNETCORE_URLS"]))
            builder.WebHost.UseUrls(DefaultUrls);
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; o.IncludeScopes = true; });
        configure?.Invoke(builder);

        var services = builder.Services;
        var configuration = builder.Configuration;
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        services.AddSqliteStorage(storage.DataDir);
        services.AddSilo(configuration, silo => silo.AddPersonalizationGrains());

        services.Configure<BootstrapOptions>(configuration.GetSection(BootstrapOptions.Section));
        services.Configure<TrainingOptions>(configuration.GetSection(TrainingOptions.Section));
        services.Configure<GatewayOptions>(configuration.GetSection(GatewayOptions.Section));
        services.AddSingleton<TrainingPipeline>();
        services.AddSingleton<SiloStatus>();
        services.AddHostedService<ModelUpdateListener>();
        services.AddHostedService<BootstrapService>();
        services.AddSiloTelemetry(configuration);

        services.AddProblemDetails();
        services.AddExceptionHandler<GrainExceptionHandler>();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>()?.MaxRequestBodyBytes ?? 1_048_576);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapHealthEndpoints();
        app.MapEventsEndpoints();
        app.MapUsersEndpoints();
        app.MapItemsEndpoints();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Personalization.Silo");
        app.Lifetime.ApplicationStarted.Register(() => log.LogInformation("Gateway listening on {Urls}; data folder {DataDir}",
            string.Join(", ", app.Urls), Path.GetFullPath(storage.DataDir)));
        return app;
    }
}
