using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Personalization.Silo.Hosting;
using Personalization.Storage;
using Personalization.Trainer.Training;

namespace Personalization.LoadGenerator;

/// <summary>
/// A real silo in this process, started the way the end-to-end tests start theirs: Kestrel on a free loopback
/// port, the in-process mock Kafka cluster, SQLite in a temporary folder, the synthetic data set. With
/// <c>--model random</c> a model of random factors over the whole catalog is published to the registry before the
/// silo starts, so its bootstrap imports the synthetic catalog and history and serves that model without training.
/// </summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _keepData;

    private InProcessSilo(WebApplication app, string dataDir, Uri address, string[] arguments, bool keepData)
    {
        _app = app;
        DataDir = dataDir;
        Address = address;
        Arguments = arguments;
        _keepData = keepData;
    }

    /// <summary>The storage folder.</summary>
    public string DataDir { get; }

    /// <summary>The gateway address.</summary>
    public Uri Address { get; }

    /// <summary>The silo's command line.</summary>
    public string[] Arguments { get; }

    /// <summary>Builds and starts the silo (it then imports, trains and starts serving in the background).</summary>
    public static async Task<InProcessSilo> StartAsync(Options options)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "personalization-load", Guid.NewGuid().ToString("N"));
        string[] args =
        [
            "--data-dir", dataDir, "--urls", "http://127.0.0.1:0",
            $"--Bootstrap:Synthetic:Users={options.Users}", $"--Bootstrap:Synthetic:Items={options.Items}",
            $"--Bootstrap:Synthetic:MeanInteractionsPerUser={options.History}",
            $"--Training:Factors={options.Factors}", $"--Training:Iterations={options.Iterations}",
            // Quiet, like the end-to-end tests' silo: the command line outranks the copied appsettings.json.
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Warning",
            // A random model must never be replaced by a trained one behind the benchmark's back.
            .. options.RandomModel ? ["--Bootstrap:TrainWhenNoModel=false"] : Array.Empty<string>(),
            .. options.SiloArguments,
        ];
        var app = SiloHost.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // Stdout carries the report: the silo's log lines go to stderr.
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        });
        if (options.RandomModel) await PublishRandomModelAsync(app.Services, options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new InProcessSilo(app, dataDir, new Uri(address + "/"), args, options.KeepData);
    }

    private static async Task PublishRandomModelAsync(IServiceProvider services, Options options)
    {
        var training = new TrainingOptions();
        var store = services.GetRequiredService<IModelStore>();
        var model = RandomModel.Create(await store.NextVersionAsync(CancellationToken.None), options.Items, options.Factors,
            training.Alpha, training.Regularization, options.Seed);
        await store.PublishAsync(model, CancellationToken.None);
        model = null;
        // The silo loads its own copy from the registry next: give back this one and the serialized artifact
        // (256 MB each at a million items × 64 factors) before it does.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30))) await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        if (_keepData) return;
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
