namespace Personalization.Recommender.Bandits;

/// <summary>Disjoint LinUCB's choice (Li et al. 2010): the arm with the highest θᵀx + α·√(xᵀA⁻¹x).</summary>
public static class LinUcb
{
    /// <summary>The upper confidence bound of one arm.</summary>
    public static double Bound(LinearArm arm, ReadOnlySpan<float> context, double alpha) => arm.Mean(context) + alpha * arm.Width(context);

    /// <summary>Index of the arm with the highest bound; ties go to the lowest index.</summary>
    /// <exception cref="ArgumentException">No arms.</exception>
    public static int Choose(IReadOnlyList<LinearArm> arms, ReadOnlySpan<float> context, double alpha)
    {
        if (arms.Count == 0) throw new ArgumentException("At least one arm is required.", nameof(arms));
        var best = 0;
        var bestBound = double.NegativeInfinity;
        for (var a = 0; a < arms.Count; a++)
        {
            var bound = Bound(arms[a], context, alpha);
            if (bound > bestBound)
            {
                bestBound = bound;
                best = a;
            }
        }
        return best;
    }
}
