namespace Personalization.Storage;

/// <summary>One interaction in the history store (the trainer's input).</summary>
/// <param name="SourceKey">
/// Unique origin of the record: <c>import:...</c> for bootstrap history, <c>log:epoch:topic:partition:offset</c>
/// for consumed events. Appends are idempotent on it, so a replayed record is stored once.
/// </param>
/// <param name="UserId">The user.</param>
/// <param name="ItemId">The item.</param>
/// <param name="Type">The event type name (play, watch, rating, ...).</param>
/// <param name="Value">The event value, if any.</param>
/// <param name="Timestamp">When it happened.</param>
public sealed record InteractionRecord(string SourceKey, string UserId, string ItemId, string Type, float? Value, DateTimeOffset Timestamp)
{
    /// <summary>Prefix of source keys of imported history.</summary>
    public const string ImportPrefix = "import:";

    /// <summary>True for history imported at first start rather than consumed from the log.</summary>
    public bool IsImported => SourceKey.StartsWith(ImportPrefix, StringComparison.Ordinal);
}
