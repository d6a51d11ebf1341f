namespace Personalization.Runtime;

/// <summary>
/// Implemented by grain classes that consume a grain stream. The runtime calls it in the grain's turn,
/// in log order, at most once per record per durable state: records at or below the state's applied
/// offset are skipped before they reach the grain.
/// </summary>
public interface IEventSink
{
    /// <summary>Applies one record to the grain's state.</summary>
    Task ApplyAsync(EventEnvelope envelope, CancellationToken cancellationToken);
}
