namespace Personalization.Streaming.Kafka;

/// <summary>The broker did not acknowledge a record (it was not written, or it is unknown whether it was).</summary>
public sealed class EventLogUnavailableException(string message, Exception inner) : Exception(message, inner);
