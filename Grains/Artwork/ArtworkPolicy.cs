using Personalization.Recommender.Bandits;

namespace Personalization.Grains.Artwork;

/// <summary>
/// One item's artwork bandit as it is shared: per variant id, its ridge statistics (arms are never mutated once in a
/// policy; the item grain publishes fresh copies).
/// </summary>
/// <param name="ItemId">The item.</param>
/// <param name="Version">Grows with every update the item grain applied; a silo keeps the newest it has seen.</param>
/// <param name="Arms">The arms by variant id.</param>
public sealed record ArtworkPolicy(string ItemId, long Version, IReadOnlyDictionary<string, LinearArm> Arms);
