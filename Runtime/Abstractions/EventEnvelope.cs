namespace Personalization.Runtime;

/// <summary>One record of a grain stream as delivered to a grain: where it sits in the log, and its bytes.</summary>
/// <param name="Topic">The Kafka topic.</param>
/// <param name="Partition">The partition (which is the grain's placement unit).</param>
/// <param name="Offset">The record's offset; grains' state remembers the last one applied.</param>
/// <param name="Key">The record key (the grain key).</param>
/// <param name="Payload">The record value.</param>
/// <param name="Timestamp">The record timestamp.</param>
public sealed record EventEnvelope(string Topic, int Partition, long Offset, string Key, ReadOnlyMemory<byte> Payload, DateTimeOffset Timestamp);
