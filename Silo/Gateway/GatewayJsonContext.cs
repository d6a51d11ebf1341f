using System.Text.Json;
using System.Text.Json.Serialization;
using Personalization.Contracts;

namespace Personalization.Silo.Gateway;

/// <summary>
/// Source-generated JSON for the gateway's hot responses: with the web defaults and no converters in the options, the
/// serializer takes the generated fast path (straight writes to the response, no per-property converter dispatch).
/// </summary>
/// <remarks>
/// The recommendations, rows, user, similar-items and events answers are written through it directly (<see cref="GeneratedJsonResult{T}"/>), so the
/// fast path holds for pages of any size. Elsewhere it serves through the HTTP options, and
/// the fast path holds only while the HTTP options add no converters (see <c>JsonSerializerContext</c>'s compatibility
/// rule): enums carry their own converter attribute instead (<see cref="InteractionTypeJsonConverter"/>).
/// </remarks>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(RecommendationsResponse))]
[JsonSerializable(typeof(RowsResponse))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(SimilarItemsResponse))]
[JsonSerializable(typeof(EventsAccepted))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
