namespace Personalization.Runtime;

/// <summary>A grain's stored state.</summary>
/// <param name="Payload">The serialized state.</param>
/// <param name="Version">The state's version (its ETag); writes are conditional on it.</param>
/// <param name="LogEpoch">The log incarnation <see cref="AppliedOffset"/> refers to.</param>
/// <param name="AppliedOffset">The offset of the last stream record this state includes, or -1.</param>
public sealed record GrainStateRecord(byte[] Payload, long Version, string? LogEpoch, long AppliedOffset);

/// <summary>A conditional write of one grain's state.</summary>
/// <param name="GrainId">The grain.</param>
/// <param name="Payload">The serialized state.</param>
/// <param name="ExpectedVersion">The version the writer read (0 when it read none).</param>
/// <param name="LogEpoch">The log incarnation of <see cref="AppliedOffset"/>.</param>
/// <param name="AppliedOffset">The offset of the last stream record included.</param>
public sealed record GrainStateWrite(GrainId GrainId, byte[] Payload, long ExpectedVersion, string? LogEpoch, long AppliedOffset);

/// <summary>Thrown when a conditional write finds a version other than the one expected.</summary>
public sealed class InconsistentStateException(GrainId grainId, long expectedVersion)
    : Exception($"State of {grainId} changed since version {expectedVersion} was read; another silo owns it now.")
{
    /// <summary>The grain whose write was rejected.</summary>
    public GrainId GrainId { get; } = grainId;
}

/// <summary>Grain state persistence. Implementations: SQLite (embedded), PostgreSQL (cluster).</summary>
public interface IGrainStorage
{
    /// <summary>Reads a grain's state, or null when it has none.</summary>
    Task<GrainStateRecord?> ReadAsync(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes states atomically, each conditional on its expected version; the new version of each is
    /// its expected version + 1. Throws <see cref="InconsistentStateException"/> for the first conflict
    /// and writes none of the batch then.
    /// </summary>
    Task WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken);
}
