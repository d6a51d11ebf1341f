using System.Globalization;

namespace Personalization.Recommender.Tuning;

/// <summary>
/// One hyperparameter's range, searched on a log scale: regularization strengths and confidence scales matter by
/// their order of magnitude, so a uniform draw in log space spends the trials evenly across magnitudes.
/// </summary>
/// <param name="Name">The parameter's name (as the model reports it).</param>
/// <param name="Low">Lowest value, positive.</param>
/// <param name="High">Highest value, above <paramref name="Low"/>.</param>
public sealed record SearchDimension(string Name, double Low, double High)
{
    /// <summary>A value drawn log-uniformly from [Low, High].</summary>
    public double Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (!(Low > 0 && High > Low))
            throw new ArgumentOutOfRangeException(Name, string.Create(CultureInfo.InvariantCulture, $"A log range needs 0 < low < high, not [{Low}, {High}]."));
        return Math.Exp(Math.Log(Low) + random.NextDouble() * (Math.Log(High) - Math.Log(Low)));
    }
}
