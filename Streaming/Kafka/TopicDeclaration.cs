namespace Personalization.Streaming.Kafka;

/// <summary>A topic the silo needs; created at start when missing.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partitions, or null for <see cref="KafkaOptions.Partitions"/>.</param>
public sealed record TopicDeclaration(string Name, int? Partitions = null);
