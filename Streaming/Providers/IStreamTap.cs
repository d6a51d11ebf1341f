namespace Personalization.Streaming.Providers;

/// <summary>
/// Sees every record of a topic where its partition is received, in log order (a Kafka Streams-style processor beside
/// the grains: repartitioning, history capture). An offset is committed only after the tasks the tap returned for the
/// records before it completed and its <see cref="FlushAsync"/> returned.
/// </summary>
public interface IStreamTap
{
    /// <summary>The topic observed.</summary>
    string Topic { get; }

    /// <summary>Observes one record; returns a task the commit must wait for, or null.</summary>
    Task? Observe(KafkaRecord record);

    /// <summary>Makes everything observed so far durable.</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
