namespace Personalization.Storage;

/// <summary>The identity of a stored grain state: the grain type (its state name) and key.</summary>
/// <param name="Type">The grain type, e.g. <c>user</c>.</param>
/// <param name="Key">The grain key, e.g. a user id.</param>
public readonly record struct GrainKey(string Type, string Key)
{
    /// <inheritdoc />
    public override string ToString() => $"{Type}/{Key}";
}

/// <summary>A grain's stored state.</summary>
/// <param name="Payload">The serialized state.</param>
/// <param name="Version">The state's version (its ETag); writes are conditional on it.</param>
/// <param name="LogEpoch">Unused by stream-fed grains, whose state records its own stream position; kept for old rows.</param>
/// <param name="AppliedOffset">Unused likewise (-1).</param>
public sealed record GrainStateRecord(byte[] Payload, long Version, string? LogEpoch = null, long AppliedOffset = -1);

/// <summary>A conditional write of one grain's state.</summary>
/// <param name="Grain">The grain.</param>
/// <param name="Payload">The serialized state.</param>
/// <param name="ExpectedVersion">The version the writer read (0 when it read none).</param>
/// <param name="LogEpoch">See <see cref="GrainStateRecord.LogEpoch"/>.</param>
/// <param name="AppliedOffset">See <see cref="GrainStateRecord.AppliedOffset"/>.</param>
public sealed record GrainStateWrite(GrainKey Grain, byte[] Payload, long ExpectedVersion, string? LogEpoch = null, long AppliedOffset = -1);

/// <summary>Thrown when a conditional write finds a version other than the one expected.</summary>
public sealed class GrainStateConflictException(GrainKey grain, long expectedVersion)
    : Exception($"State of {grain} changed since version {expectedVersion} was read; another activation wrote it.")
{
    /// <summary>The grain whose write was rejected.</summary>
    public GrainKey Grain { get; } = grain;

    /// <summary>The version the writer expected.</summary>
    public long ExpectedVersion { get; } = expectedVersion;
}

/// <summary>Grain state rows. Implementations: SQLite (embedded), PostgreSQL (cluster).</summary>
public interface IGrainStateStore
{
    /// <summary>Reads a grain's state, or null when it has none.</summary>
    Task<GrainStateRecord?> ReadAsync(GrainKey grain, CancellationToken cancellationToken);

    /// <summary>
    /// Writes states atomically, each conditional on its expected version; the new version of each is
    /// its expected version + 1. Throws <see cref="GrainStateConflictException"/> for the first conflict
    /// and writes none of the batch then.
    /// </summary>
    Task WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken);
}
