namespace Personalization.Runtime.Streams;

/// <summary>
/// Sees every record of a topic as the silo consumes it, in log order (a Kafka Streams-style processor
/// beside the grains: repartitioning, history capture). Offsets are committed only after the tasks it
/// returns completed and its <see cref="FlushAsync"/> returned.
/// </summary>
public interface IStreamTap
{
    /// <summary>The topic observed.</summary>
    string Topic { get; }

    /// <summary>Observes one record; returns a task the commit must wait for, or null.</summary>
    Task? Observe(EventEnvelope envelope);

    /// <summary>Makes everything observed so far durable.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
