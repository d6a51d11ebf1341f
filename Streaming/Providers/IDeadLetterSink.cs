namespace Personalization.Streaming.Providers;

/// <summary>Where a stream consumer puts a record it cannot apply, so its partition moves on.</summary>
public interface IDeadLetterSink
{
    /// <summary>
    /// Keeps <paramref name="record"/> with <paramref name="error"/> as its reason; completes once it is durable,
    /// or throws (the delivery then fails and is redelivered later).
    /// </summary>
    /// <param name="record">The record.</param>
    /// <param name="consumer">Who could not apply it (the grain type).</param>
    /// <param name="error">Why.</param>
    Task WriteAsync(KafkaRecord record, string consumer, Exception error);
}
