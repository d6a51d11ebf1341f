using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using Orleans.Streams;

namespace Personalization.Streaming.Providers;

/// <summary>
/// Spreads a topic's queues (its partitions) over the active silos of Orleans' membership by rendezvous hashing with
/// bounded loads (<see cref="PartitionAssignment"/>). Every silo computes the same answer from the same membership
/// view, so when a silo is declared dead its partitions move at once to the survivors, and a joining silo takes its
/// share, while the other partitions mostly stay where they are.
/// </summary>
public sealed class KafkaQueueBalancer : QueueBalancerBase
{
    private readonly IClusterMembershipService _membership;
    private List<QueueId> _queues = [];
    private volatile Assignment _assignment = new([], []);

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
        SetActive(_membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress));
        return base.Initialize(queueMapper);
    }

    /// <inheritdoc />
    public override IEnumerable<QueueId> GetMyQueues()
    {
        var (active, owners) = _assignment;
        // Before this silo appears active in its own view it reads nothing; membership tells it soon.
        var index = Array.IndexOf(active, SiloAddress);
        if (index < 0 || owners.Length != _queues.Count) return [];
        return _queues.Where((_, i) => owners[i] == index).ToList();
    }

    /// <inheritdoc />
    protected override void OnClusterMembershipChange(HashSet<SiloAddress> activeSilos)
    {
        SetActive(activeSilos);
        Logger.LogInformation("Membership changed: {Count} active silos; reading partitions {Partitions}", _assignment.Active.Length,
            string.Join(",", GetMyQueues().Select(KafkaQueueMapper.PartitionOf)));
        NotifyListeners().Ignore();
    }

    // The owners of the queues in partition order, for the silos in address order; both from one view.
    private void SetActive(IEnumerable<SiloAddress> silos)
    {
        var active = silos.OrderBy(s => s.ToParsableString(), StringComparer.Ordinal).ToArray();
        var owners = PartitionAssignment.Assign(_queues.Count, active.Select(s => s.ToParsableString()).ToArray());
        _assignment = new Assignment(active, owners);
    }

    // One membership view's silos and owners, swapped as a whole so a reader never mixes two views.
    private sealed record Assignment(SiloAddress[] Active, int[] Owners);
}
