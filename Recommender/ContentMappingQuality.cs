namespace Personalization.Recommender;

/// <summary>A content mapping fitted on all items, with how well content alone reproduces the trained factors.</summary>
/// <param name="Mapping">The mapping fitted on every item with features.</param>
/// <param name="Cosine">Mean cosine between mapped and trained factors over the items the mapping was fitted on (NaN when none).</param>
/// <param name="Items">Items measured by <paramref name="Cosine"/>.</param>
/// <param name="HoldoutCosine">The same cosine for held-out items, from a mapping fitted without them: what a new item
/// can expect (NaN when too few items to hold any out).</param>
/// <param name="HoldoutItems">Held-out items that could be mapped (at least one feature known without them), measured by <paramref name="HoldoutCosine"/>.</param>
/// <param name="HeldOut">Items held out; HoldoutItems / HeldOut is the share of new items content can place.</param>
public sealed record ContentMappingQuality(ContentMapping Mapping, double Cosine, int Items, double HoldoutCosine, int HoldoutItems, int HeldOut);
