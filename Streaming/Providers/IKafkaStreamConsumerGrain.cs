namespace Personalization.Streaming.Providers;

/// <summary>
/// Implemented by the grains a Kafka stream feeds. Before a receiver commits an offset, it asks every grain that got
/// records before that offset to make its state durable and to confirm that the state holds them.
/// </summary>
public interface IKafkaStreamConsumerGrain : IGrainWithStringKey
{
    /// <summary>
    /// Writes the grain's state if it changed, then answers whether the durable state holds the record at
    /// <paramref name="offset"/> of <paramref name="partition"/> in log <paramref name="epoch"/>.
    /// </summary>
    Task<bool> CheckpointAsync(string epoch, int partition, long offset);
}
