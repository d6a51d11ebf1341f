using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Personalization.Runtime.Activation;

namespace Personalization.Runtime.Hosting;

/// <summary>Deactivates idle grains (writing their state) so memory follows the working set.</summary>
internal sealed class IdleCollectorService(GrainRuntime runtime, IOptions<GrainRuntimeOptions> options, ILogger<IdleCollectorService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.IdleCheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                var collected = await runtime.CollectIdleAsync(options.Value.IdleTimeout, stoppingToken).ConfigureAwait(false);
                if (collected > 0) logger.LogDebug("Deactivated {Count} idle grains", collected);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Idle collection failed");
            }
        }
    }
}
