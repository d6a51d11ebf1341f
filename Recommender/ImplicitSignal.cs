namespace Personalization.Recommender;

/// <summary>
/// The Hu–Koren–Volinsky (2008) mapping from a signed interaction weight to preference and confidence.
/// Training and serving both go through here so they cannot disagree.
/// </summary>
/// <remarks>
/// A negative weight yields preference 0 with extra confidence: it actively pushes the score toward 0,
/// whereas an unobserved pair only pushes with the baseline confidence 1.
/// </remarks>
public static class ImplicitSignal
{
    /// <summary>The binary preference p: 1 for a positive weight, 0 otherwise.</summary>
    /// <param name="weight">Signed interaction weight.</param>
    /// <returns>1 when <paramref name="weight"/> &gt; 0, else 0.</returns>
    public static float Preference(float weight) => weight > 0f ? 1f : 0f;

    /// <summary>The confidence c = 1 + alpha·|w| that the preference is right.</summary>
    /// <param name="weight">Signed interaction weight.</param>
    /// <param name="alpha">Confidence scaling (α in the paper); non-negative.</param>
    /// <returns>The confidence, at least 1 for non-negative <paramref name="alpha"/>.</returns>
    public static float Confidence(float weight, float alpha) => 1f + alpha * MathF.Abs(weight);
}
