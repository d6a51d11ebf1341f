using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Personalization.Client;
using Personalization.Streaming.Kafka;
using Personalization.Silo.Hosting;

namespace Personalization.Tests.Infrastructure;

/// <summary>
/// A real silo in this process: Kestrel on a free loopback port, the in-process mock Kafka cluster,
/// SQLite in a temporary folder, a small synthetic data set so training takes a second or two.
/// </summary>
public sealed class TestSilo : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestSilo(WebApplication app, string dataDir, Uri address)
    {
        _app = app;
        DataDir = dataDir;
        Address = address;
        Client = new PersonalizationClient(new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) });
    }

    /// <summary>The storage folder.</summary>
    public string DataDir { get; }

    /// <summary>The gateway address.</summary>
    public Uri Address { get; }

    /// <summary>A client for the gateway.</summary>
    public PersonalizationClient Client { get; }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>The silo's Orleans cluster id (each test silo is a cluster of its own).</summary>
    public string ClusterId => Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().ClusterId;

    /// <summary>The port Orleans clients connect to.</summary>
    public int OrleansGatewayPort => Services.GetRequiredService<Orleans.Runtime.ILocalSiloDetails>().GatewayAddress!.Endpoint.Port;

    /// <summary>Bootstrap servers of the silo's broker.</summary>
    public string BootstrapServers => Services.GetRequiredService<KafkaConnection>().BootstrapServers;

    /// <summary>Settings of the small synthetic system the tests run on.</summary>
    public static readonly string[] SmallSystem =
    [
        "--Bootstrap:Synthetic:Users=600", "--Bootstrap:Synthetic:Items=3000", "--Bootstrap:Synthetic:MeanInteractionsPerUser=30",
        "--Training:Factors=32", "--Training:Iterations=8",
    ];

    /// <summary>Starts a silo on <paramref name="dataDir"/> (a new temporary folder when null) and waits until it serves.</summary>
    public static Task<TestSilo> StartAsync(string? dataDir = null, params string[] extra) => StartAsync(dataDir, null, extra);

    /// <summary>
    /// Starts a silo as <see cref="StartAsync(string?, string[])"/> does, letting <paramref name="configure"/>
    /// adjust the host builder (e.g. add a log provider) after the test defaults.
    /// </summary>
    public static async Task<TestSilo> StartAsync(string? dataDir, Action<WebApplicationBuilder>? configure, params string[] extra)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "personalization-tests", Guid.NewGuid().ToString("N"));
        // Each in-process silo is a cluster of its own, on free ports.
        var args = new[]
        {
            "--data-dir", dataDir, "--urls", "http://127.0.0.1:0",
            "--Cluster:SiloPort=0", "--Cluster:GatewayPort=0", $"--Cluster:ClusterId=test-{Guid.NewGuid():N}",
        }.Concat(SmallSystem).Concat(extra).ToArray();
        var app = SiloHost.Build(args, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            // The page layout follows the hour: every test silo lives at 20:00 UTC, whatever the hour it runs at.
            builder.Services.AddSingleton(new Personalization.Grains.Serving.ServingClock(new EveningClock()));
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var silo = new TestSilo(app, dataDir, new Uri(address + "/"));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await silo.Client.IsServingAsync())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The silo did not start serving within 2 minutes.");
            await Task.Delay(100);
        }
        return silo;
    }

    /// <summary>The serving model of the silo (it serves once started).</summary>
    public Personalization.Grains.Serving.ServingModel Model =>
        Services.GetRequiredService<Personalization.Grains.Serving.IServingModelProvider>().Current!;

    /// <summary>Records in <paramref name="topic"/> so far (the sum of its partitions' high watermarks).</summary>
    public long TopicSize(string topic)
    {
        using var consumer = new Confluent.Kafka.ConsumerBuilder<Confluent.Kafka.Ignore, Confluent.Kafka.Ignore>(
            new Confluent.Kafka.ConsumerConfig { BootstrapServers = BootstrapServers, GroupId = "test-watermarks" }).Build();
        var partitions = Services.GetRequiredService<Personalization.Streaming.Kafka.KafkaOptions>().Partitions;
        long total = 0;
        for (var p = 0; p < partitions; p++)
            total += consumer.QueryWatermarkOffsets(new Confluent.Kafka.TopicPartition(topic, p), TimeSpan.FromSeconds(5)).High.Value;
        return total;
    }

    /// <summary>Posts a user's events and waits until the user's grain has applied all of them.</summary>
    public async Task TrackAndWaitAsync(string user, IReadOnlyCollection<Personalization.Contracts.InteractionEvent> events)
    {
        var before = (await Client.GetUserAsync(user)).Interactions;
        await Client.TrackAsync(events);
        await EventuallyAsync(() => Client.GetUserAsync(user), u => u.Interactions == before + events.Count,
            TimeSpan.FromSeconds(10), $"{events.Count} events to reach {user}");
    }

    /// <summary>Polls until <paramref name="condition"/> holds, failing after <paramref name="timeout"/>.</summary>
    public static async Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (condition(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out after {timeout.TotalSeconds:F1} s waiting for {what}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the silo gracefully (drains the log, writes state, commits).</summary>
    public async Task StopAsync()
    {
        await _app.StopAsync();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Client.Http.Dispose();
    }
}
