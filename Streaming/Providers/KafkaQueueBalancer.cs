using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Personalization.Streaming.Providers;

/// <summary>
/// Spreads a topic's queues (its partitions) over the active silos of Orleans' membership: partition p goes to the
/// (p mod n)-th active silo in address order. Every silo computes the same answer from the same membership view, so
/// when a silo is declared dead its partitions move at once to the survivors, and a joining silo takes its share.
/// </summary>
public sealed class KafkaQueueBalancer : QueueBalancerBase
{
    private readonly IClusterMembershipService _membership;
    private List<QueueId> _queues = [];
    private volatile SiloAddress[] _active = [];

    /// <summary>Creates the balancer.</summary>
    public KafkaQueueBalancer(IServiceProvider services, ILogger<KafkaQueueBalancer> logger) : base(services, logger)
    {
        _membership = services.GetRequiredService<IClusterMembershipService>();
    }

    /// <summary>The balancer Orleans asks for provider <paramref name="name"/>.</summary>
    public static IStreamQueueBalancer Create(IServiceProvider services, string name) =>
        ActivatorUtilities.CreateInstance<KafkaQueueBalancer>(services);

    /// <inheritdoc />
    public override Task Initialize(IStreamQueueMapper queueMapper)
    {
        _queues = queueMapper.GetAllQueues().OrderBy(KafkaQueueMapper.PartitionOf).ToList();
        _active = Order(_membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress));
        return base.Initialize(queueMapper);
    }

    /// <inheritdoc />
    public override IEnumerable<QueueId> GetMyQueues()
    {
        var active = _active;
        // Before this silo appears active in its own view it reads nothing; membership tells it soon.
        var index = Array.IndexOf(active, SiloAddress);
        if (index < 0) return [];
        return _queues.Where((_, i) => i % active.Length == index).ToList();
    }

    /// <inheritdoc />
    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        _active = Order(activeSilos);
        Logger.LogInformation("Membership changed: {Count} active silos; reading partitions {Partitions}", _active.Length,
            string.Join(",", GetMyQueues().Select(KafkaQueueMapper.PartitionOf)));
        NotifyListeners().Ignore();
    }

    private static SiloAddress[] Order(IEnumerable<SiloAddress> silos) =>
        silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
}
