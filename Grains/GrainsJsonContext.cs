using System.Text.Json;
using System.Text.Json.Serialization;
using Personalization.Contracts;
using Personalization.Grains.Items;
using Personalization.Grains.Users;

namespace Personalization.Grains;

/// <summary>Source-generated JSON for stream payloads and grain state (no reflection on the hot path).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InteractionEvent))]
[JsonSerializable(typeof(ItemEvent))]
[JsonSerializable(typeof(UserState))]
[JsonSerializable(typeof(ItemState))]
[JsonSerializable(typeof(ExperimentDefinition))]
[JsonSerializable(typeof(Storage.ExperimentRecord))]
[JsonSerializable(typeof(IReadOnlyList<LiveItemVector>))]
public sealed partial class GrainsJsonContext : JsonSerializerContext;
