namespace Personalization.Recommender.Bandits;

/// <summary>A way of choosing an item's artwork for a user, and of learning from what happened.</summary>
public interface IArtworkPolicy
{
    /// <summary>Display name.</summary>
    string Name { get; }

    /// <summary>The variant (0 to <paramref name="variants"/> − 1) to show for <paramref name="item"/> in <paramref name="context"/>.</summary>
    int Choose(int item, ReadOnlySpan<float> context, int variants);

    /// <summary>Learns the reward of showing <paramref name="variant"/>.</summary>
    void Update(int item, ReadOnlySpan<float> context, int variant, double reward);
}
