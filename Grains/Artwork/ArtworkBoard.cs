using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Personalization.Recommender.Bandits;
using Personalization.Storage;

namespace Personalization.Grains.Artwork;

/// <summary>
/// The silo's view of every item's artwork bandit: item grains report their policies here as they learn, other silos'
/// policies arrive by announcement, and the user grains choose an item's artwork from it per request (LinUCB over the
/// user's context), so choosing costs no call to the item's grain.
/// </summary>
public sealed class ArtworkBoard(IOptions<ArtworkOptions> options)
{
    private readonly ConcurrentDictionary<string, ArtworkPolicy> _policies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly ArtworkOptions _options = options.Value;

    /// <summary>Number of items with a policy.</summary>
    public int Count => _policies.Count;

    /// <summary>An item's policy, or null while nobody has seen its artwork.</summary>
    public ArtworkPolicy? Find(string itemId) => _policies.GetValueOrDefault(itemId);

    /// <summary>Records a policy learned on this silo and marks it to be shared.</summary>
    public void Report(ArtworkPolicy policy)
    {
        Apply(policy);
        _dirty[policy.ItemId] = 0;
    }

    /// <summary>Applies a policy (from this silo or another); an older version than the one held is ignored.</summary>
    public void Apply(ArtworkPolicy policy) =>
        _policies.AddOrUpdate(policy.ItemId, policy, (_, held) => held.Version > policy.Version ? held : policy);

    /// <summary>Takes the policies changed since the last call (to publish them).</summary>
    public List<ArtworkPolicy> TakeChanged()
    {
        var changed = new List<ArtworkPolicy>();
        foreach (var itemId in _dirty.Keys)
        {
            if (_dirty.TryRemove(itemId, out _) && _policies.TryGetValue(itemId, out var policy)) changed.Add(policy);
        }
        return changed;
    }

    /// <summary>
    /// The variant to show this user: the highest upper confidence bound θᵀx + α·√(xᵀA⁻¹x) (LinUCB, Li et al. 2010).
    /// A variant without statistics (new, or not yet seen here) scores with the prior, so it gets tried; ties are
    /// broken by a per-user rotation so a new item's users do not all see its first variant.
    /// </summary>
    /// <param name="itemId">The item.</param>
    /// <param name="variants">Its variants (from the catalog).</param>
    /// <param name="context">The user's features (<see cref="ArtworkContext"/>).</param>
    /// <param name="seed">The user's seed (ties only).</param>
    public string Choose(string itemId, IReadOnlyList<ArtworkVariant> variants, ReadOnlySpan<float> context, ulong seed)
    {
        if (variants.Count == 1 || context.Length == 0) return variants[(int)(seed % (ulong)variants.Count)].Id;
        var policy = Find(itemId);
        // A fresh arm (A⁻¹ = I/λ, b = 0) bounds at α·√(xᵀx/λ).
        var prior = _options.Alpha * Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.Dot(context, context) / _options.Regularization);
        var best = -1;
        var bestScore = double.NegativeInfinity;
        var start = (int)(seed % (ulong)variants.Count);
        for (var n = 0; n < variants.Count; n++)
        {
            var i = (start + n) % variants.Count;
            var score = policy is not null && policy.Arms.TryGetValue(variants[i].Id, out var arm) && arm.Dimensions == context.Length
                ? LinUcb.Bound(arm, context, _options.Alpha)
                : prior;
            if (score > bestScore)
            {
                bestScore = score;
                best = i;
            }
        }
        return variants[best].Id;
    }
}
