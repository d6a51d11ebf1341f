using Orleans.Runtime;
using Personalization.Contracts;
using Personalization.Grains;
using Personalization.Grains.Cluster;
using Personalization.Grains.Items;
using Personalization.Grains.Serving;
using Personalization.Silo.Gateway;
using Personalization.Streaming.Providers;

namespace Personalization.Silo.Cluster;

/// <summary>
/// Each second: posts this silo's <see cref="SiloReport"/> (its gateway, the partitions its receivers read, lag,
/// activations, model, top trending items) to the cluster's notice board and keeps everyone's reports locally.
/// </summary>
public sealed partial class ClusterReporter(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    KafkaQueueOwnership ownership,
    IServingModelProvider models,
    TrendingBoard trending,
    ClusterReports reports,
    LocalActivations activations,
    Microsoft.AspNetCore.Hosting.Server.IServer server,
    TimeProvider time,
    ILogger<ClusterReporter> logger) : BackgroundService
{
    /// <summary>Items each silo shares on the board; a row needs far fewer.</summary>
    private const int SharedTrending = 100;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        reports.Self = silo.SiloAddress.ToParsableString();
        var management = grains.GetGrain<IManagementGrain>(0);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            try
            {
                var statistics = await management.GetRuntimeStatistics([silo.SiloAddress]);
                if (statistics.Length == 1) activations.Set(statistics[0].ActivationCount);
                reports.Update(await grains.GetGrain<ISiloReportsGrain>(0).ExchangeAsync(Report()));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReportFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private SiloReport Report()
    {
        var now = time.GetUtcNow();
        string gateway;
        try
        {
            gateway = GatewayListener.Address(server);
        }
        catch (InvalidOperationException)
        {
            gateway = "";
        }
        return new SiloReport(silo.Name, silo.SiloAddress.ToParsableString(), gateway, ownership.Partitions(), activations.Count, ownership.Lag,
            models.Current?.Version ?? 0,
            trending.Ranked(now.ToUnixTimeMilliseconds(), SharedTrending).ToDictionary(t => t.ItemId, t => t.Score, StringComparer.Ordinal), now);
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Posting the silo report failed; trying again in a second")]
    private partial void LogReportFailed(Exception exception);
}
