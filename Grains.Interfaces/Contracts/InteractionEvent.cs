using System.Text.Json.Serialization;

namespace Personalization.Contracts;

/// <summary>
/// A validated interaction as it travels on the <c>interactions</c> topic (keyed by user id) and as
/// the client SDK sends it.
/// </summary>
public sealed record InteractionEvent
{
    /// <summary>The user.</summary>
    public required string UserId { get; init; }

    /// <summary>The item.</summary>
    public required string ItemId { get; init; }

    /// <summary>The event type.</summary>
    [JsonConverter(typeof(InteractionTypeJsonConverter))]
    public required InteractionType Type { get; init; }

    /// <summary>Seconds watched, rating, thumbs direction; null where the type has no value.</summary>
    public float? Value { get; init; }

    /// <summary>When it happened; null means now (the gateway fills it in before the event is written).</summary>
    public DateTimeOffset? Timestamp { get; init; }

    /// <summary>Request context (device, artwork id, ...).</summary>
    public Dictionary<string, string>? Context { get; init; }

    /// <summary>
    /// The client's idempotency key: an event whose (user, id) was applied within the deduplication window is applied
    /// once, however often it is sent. The SDK and the CLI set one on every event, so their retries never double.
    /// </summary>
    public string? EventId { get; init; }
}

/// <summary>Writes <see cref="InteractionType"/> as its wire name.</summary>
public sealed class InteractionTypeJsonConverter : JsonConverter<InteractionType>
{
    /// <inheritdoc />
    public override InteractionType Read(ref System.Text.Json.Utf8JsonReader reader, Type typeToConvert, System.Text.Json.JsonSerializerOptions options) =>
        InteractionTypes.TryParse(reader.GetString(), out var type) ? type
            : throw new System.Text.Json.JsonException($"Unknown interaction type '{reader.GetString()}'.");

    /// <inheritdoc />
    public override void Write(System.Text.Json.Utf8JsonWriter writer, InteractionType value, System.Text.Json.JsonSerializerOptions options) =>
        writer.WriteStringValue(InteractionTypes.WireName(value));
}
