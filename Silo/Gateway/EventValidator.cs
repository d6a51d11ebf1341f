using System.Globalization;
using System.Text.Json;
using Personalization.Contracts;

namespace Personalization.Silo.Gateway;

/// <summary>
/// Validates a <c>POST /v1/events</c> body (one event object or an array) field by field, so the 400
/// names every bad field (<c>[3].type</c>), and normalizes valid events. Any error rejects the whole request.
/// </summary>
public static class EventValidator
{
    /// <summary>Longest user or item id.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Devices a request may name.</summary>
    public static readonly string[] Devices = ["tv", "mobile", "web", "tablet"];

    /// <summary>Validates the parsed body.</summary>
    public static (List<InteractionEvent> Events, Dictionary<string, string[]> Errors) Validate(JsonElement root, int maxEvents, DateTimeOffset now)
    {
        var events = new List<InteractionEvent>();
        var errors = new Dictionary<string, List<string>>();
        void Error(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (InvalidText(root, "") is { } where)
        {
            Error(where.Length == 0 ? "$" : where, "Holds text that is not valid UTF-8 (or a \\u escape of a lone UTF-16 surrogate).");
        }
        else if (root.ValueKind == JsonValueKind.Array)
        {
            var count = root.GetArrayLength();
            if (count == 0) Error("$", "The array holds no events.");
            else if (count > maxEvents) Error("$", $"At most {maxEvents} events per request; got {count}.");
            else
            {
                var index = 0;
                foreach (var element in root.EnumerateArray())
                {
                    if (ValidateOne(element, $"[{index}].", Error, now) is { } e) events.Add(e);
                    index++;
                }
            }
        }
        else if (ValidateOne(root, "", Error, now) is { } single)
        {
            events.Add(single);
        }
        return (errors.Count == 0 ? events : [], errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }

    /// <summary>
    /// The path of the first string or property name that is not text (<c>[2].context.note</c>), or null. The parser lets such bytes through
    /// (it checks structure, not encoding) and reading them later throws; found here, they get a 400 naming the field.
    /// </summary>
    internal static string? InvalidText(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return IsText(element) ? null : path;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (InvalidText(item, $"{path}[{index++}]") is { } inItem) return inItem;
                }
                return null;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try { name = property.Name; }
                    catch (InvalidOperationException) { return path; }
                    if (InvalidText(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } inValue) return inValue;
                }
                return null;
            default:
                return null;
        }
    }

    private static bool IsText(JsonElement element)
    {
        try
        {
            element.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static InteractionEvent? ValidateOne(JsonElement element, string prefix, Action<string, string> error, DateTimeOffset now)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            error(prefix.Length == 0 ? "$" : prefix.TrimEnd('.'), "An event must be a JSON object.");
            return null;
        }
        var ok = true;
        var userId = Id(element, "userId", prefix, error, ref ok);
        var itemId = Id(element, "itemId", prefix, error, ref ok);
        string? eventId = null;
        if (element.TryGetProperty("eventId", out var eventIdElement) && eventIdElement.ValueKind != JsonValueKind.Null)
        {
            var id = eventIdElement.ValueKind == JsonValueKind.String ? eventIdElement.GetString() : null;
            var problem = id is null ? "Must be a string id, unique per user (a UUID is a good choice)." : IdProblem(id);
            if (problem is null) eventId = id;
            else { error(prefix + "eventId", problem); ok = false; }
        }

        InteractionType type = default;
        var typeOk = false;
        if (!element.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            error(prefix + "type", $"Required: one of {string.Join(", ", InteractionTypes.Names)}.");
        else if (!InteractionTypes.TryParse(typeElement.GetString(), out type))
            error(prefix + "type", $"'{typeElement.GetString()}' is not one of {string.Join(", ", InteractionTypes.Names)}.");
        else
            typeOk = true;
        ok &= typeOk;

        float? value = null;
        var valueOk = true;
        if (element.TryGetProperty("value", out var valueElement) && valueElement.ValueKind != JsonValueKind.Null)
        {
            if (valueElement.ValueKind != JsonValueKind.Number || !valueElement.TryGetDouble(out var v) || !double.IsFinite(v))
            {
                error(prefix + "value", "Must be a number.");
                valueOk = ok = false;
            }
            else value = (float)v;
        }
        // Checked whatever else is wrong, so one answer names every bad field.
        if (typeOk && valueOk)
        {
            var problem = type switch
            {
                InteractionType.Watch when value is null or < 0 or > 86_400 => "A watch needs value = seconds watched, 0 to 86400.",
                InteractionType.Rating when value is null or < 0.5f or > 5f => "A rating needs value from 0.5 to 5.",
                InteractionType.Thumbs when value is not (1f or -1f) => "Thumbs needs value +1 or -1.",
                _ => null,
            };
            if (problem is not null) { error(prefix + "value", problem); ok = false; }
        }

        var timestamp = now;
        if (element.TryGetProperty("timestamp", out var ts) && ts.ValueKind != JsonValueKind.Null)
        {
            if (ts.ValueKind != JsonValueKind.String || !DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out timestamp))
            {
                error(prefix + "timestamp", "Must be an ISO 8601 date-time string, e.g. 2026-11-22T10:00:00Z.");
                ok = false;
            }
            else if (timestamp > now.AddMinutes(5) || timestamp < DateTimeOffset.UnixEpoch)
            {
                error(prefix + "timestamp", "Must lie between 1970 and now.");
                ok = false;
            }
        }

        Dictionary<string, string>? context = null;
        if (element.TryGetProperty("context", out var ctx) && ctx.ValueKind != JsonValueKind.Null)
        {
            if (ctx.ValueKind != JsonValueKind.Object)
            {
                error(prefix + "context", "Must be an object of string values.");
                ok = false;
            }
            else
            {
                context = [];
                foreach (var property in ctx.EnumerateObject())
                {
                    if (context.Count >= 32) { error(prefix + "context", "At most 32 entries."); ok = false; break; }
                    if (property.Value.ValueKind != JsonValueKind.String || property.Value.GetString()!.Length > 256)
                    {
                        error($"{prefix}context.{property.Name}", "Must be a string of at most 256 characters.");
                        ok = false;
                        continue;
                    }
                    context[property.Name] = property.Value.GetString()!;
                }
                // The one context key with a meaning to the signal policy: the item's length, for a watch's share seen.
                if (context.TryGetValue("duration", out var duration) && Grains.Signals.SignalPolicy.DurationOf(context) is null)
                {
                    error(prefix + "context.duration", $"Must be the item's length in seconds, a positive number, not '{duration}'.");
                    ok = false;
                }
                // The artwork the client showed: the reward of the item's bandit, so it must be a variant id.
                if (context.TryGetValue("artworkId", out var artworkId) && IdProblem(artworkId) is { } artworkProblem)
                {
                    error(prefix + "context.artworkId", artworkProblem);
                    ok = false;
                }
            }
        }
        return ok ? new InteractionEvent { UserId = userId!, ItemId = itemId!, Type = type, Value = value, Timestamp = timestamp.ToUniversalTime(), Context = context, EventId = eventId } : null;
    }

    private static string? Id(JsonElement element, string name, string prefix, Action<string, string> error, ref bool ok)
    {
        if (!element.TryGetProperty(name, out var property) || property.ValueKind != JsonValueKind.String)
        {
            error(prefix + name, "Required: a string id.");
            ok = false;
            return null;
        }
        var id = property.GetString()!;
        if (IdProblem(id) is { } problem)
        {
            error(prefix + name, problem);
            ok = false;
            return null;
        }
        return id;
    }

    /// <summary>What is wrong with an id, or null when it is fine.</summary>
    public static string? IdProblem(string? id) =>
        string.IsNullOrWhiteSpace(id) ? "Must not be empty."
        : id.Length > MaxIdLength ? $"At most {MaxIdLength} characters."
        : id.Any(char.IsControl) ? "Must not contain control characters."
        : null;
}
