namespace Personalization.Runtime.Activation;

internal enum ActivationStatus { Created, Active, Deactivated }

/// <summary>One live grain: its instance, its mailbox and what the runtime knows of its stored state.</summary>
internal sealed class ActivationData(GrainId grainId, string? topic, int partition, Grain grain)
{
    public GrainId GrainId { get; } = grainId;
    public string? Topic { get; } = topic;
    public int Partition { get; } = partition;
    public Grain Grain { get; } = grain;

    /// <summary>The mailbox: SemaphoreSlim queues async waiters in FIFO order, so calls run one at a time in arrival order.</summary>
    public SemaphoreSlim Gate { get; } = new(1, 1);

    public ActivationStatus Status { get; set; } = ActivationStatus.Created;
    public long Version { get; set; }
    public long AppliedOffset { get; set; } = -1;
    public long PersistedStamp { get; set; }
    public long LastUsedTicks { get; set; } = Environment.TickCount64;

    public IStatefulGrain? Stateful => Grain as IStatefulGrain;
    public bool IsDirty => Stateful is { } s && s.ChangeStamp != PersistedStamp;
}
