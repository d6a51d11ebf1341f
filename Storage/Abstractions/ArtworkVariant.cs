namespace Personalization.Storage;

/// <summary>One artwork variant of a catalog item: the image a client shows for it, chosen per user by a contextual bandit.</summary>
/// <param name="Id">Variant id, unique within the item.</param>
/// <param name="Tags">Descriptive tags of the image (e.g. "dark", "close-up", "cast").</param>
public sealed record ArtworkVariant(string Id, IReadOnlyList<string> Tags);
