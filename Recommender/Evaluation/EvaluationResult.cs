using System.Globalization;

namespace Personalization.Recommender.Evaluation;

/// <summary>
/// Mean ranking metrics of one model over the evaluated users, with their standard errors; plain properties so the
/// result serializes to JSON as is.
/// </summary>
/// <remarks>
/// Standard errors are s / √n with the sample standard deviation s; they are 0 with fewer than two users, and every
/// mean is 0 with none (rather than NaN, which JSON cannot carry).
/// </remarks>
public sealed class EvaluationResult
{
    /// <summary>Name of the evaluated model.</summary>
    public string Model { get; init; } = "";

    /// <summary>Cut-off K of every metric.</summary>
    public int K { get; init; }

    /// <summary>Users evaluated: at least one fold-in entry and one relevant test entry, capped by the options.</summary>
    public int Users { get; init; }

    /// <summary>Catalog size the rankings were drawn from.</summary>
    public int Items { get; init; }

    /// <summary>Mean Recall@K.</summary>
    public double Recall { get; init; }

    /// <summary>Standard error of <see cref="Recall"/>.</summary>
    public double RecallStandardError { get; init; }

    /// <summary>Mean NDCG@K (binary gains).</summary>
    public double Ndcg { get; init; }

    /// <summary>Standard error of <see cref="Ndcg"/>.</summary>
    public double NdcgStandardError { get; init; }

    /// <summary>Mean Precision@K.</summary>
    public double Precision { get; init; }

    /// <summary>Standard error of <see cref="Precision"/>.</summary>
    public double PrecisionStandardError { get; init; }

    /// <summary>MAP@K: mean average precision at K.</summary>
    public double Map { get; init; }

    /// <summary>Standard error of <see cref="Map"/>.</summary>
    public double MapStandardError { get; init; }

    /// <summary>Distinct items that appeared in at least one top-K list.</summary>
    public int RecommendedItems { get; init; }

    /// <summary>Catalog coverage@K: <see cref="RecommendedItems"/> / <see cref="Items"/>.</summary>
    public double Coverage { get; init; }

    /// <summary>
    /// Mean intra-list diversity ILD@K (<see cref="RankingMetrics.IntraListDiversity"/>), when item vectors were given
    /// (<see cref="EvaluationOptions.ItemVectors"/>); otherwise <see langword="null"/>.
    /// </summary>
    public double? Ild { get; init; }

    /// <summary>Standard error of <see cref="Ild"/>.</summary>
    public double? IldStandardError { get; init; }

    /// <summary>
    /// Mean novelty@K in bits (<see cref="RankingMetrics.Novelty"/>), when item popularity was given
    /// (<see cref="EvaluationOptions.ItemPopularity"/>); otherwise <see langword="null"/>.
    /// </summary>
    public double? Novelty { get; init; }

    /// <summary>Standard error of <see cref="Novelty"/>.</summary>
    public double? NoveltyStandardError { get; init; }

    /// <summary>Wall time of the evaluation in seconds.</summary>
    public double ElapsedSeconds { get; init; }

    /// <summary>Throughput: <see cref="Users"/> / <see cref="ElapsedSeconds"/>, 0 when no time elapsed.</summary>
    public double UsersPerSecond { get; init; }

    /// <summary>
    /// 95% percentile-bootstrap intervals over users (<see cref="BootstrapInterval"/>) of the per-user metrics, keyed
    /// <c>recall</c>, <c>ndcg</c>, <c>precision</c>, <c>map</c> and, when measured, <c>ild</c> and <c>novelty</c>.
    /// </summary>
    public IReadOnlyDictionary<string, ConfidenceInterval> Intervals { get; init; } = new Dictionary<string, ConfidenceInterval>();

    /// <summary>
    /// The metrics by name for the model registry: <c>users</c>, <c>recall@K</c>, <c>ndcg@K</c>, <c>precision@K</c>,
    /// <c>map@K</c> and <c>coverage@K</c>, then <c>ild@K</c> and <c>novelty@K</c> when they were computed, with the
    /// actual K (e.g. <c>recall@20</c>).
    /// </summary>
    /// <returns>A new dictionary the caller may extend.</returns>
    public Dictionary<string, double> ToDictionary()
    {
        string at = "@" + K.ToString(CultureInfo.InvariantCulture);
        var metrics = new Dictionary<string, double>
        {
            ["users"] = Users,
            ["recall" + at] = Recall,
            ["ndcg" + at] = Ndcg,
            ["precision" + at] = Precision,
            ["map" + at] = Map,
            ["coverage" + at] = Coverage,
        };
        if (Ild is double ild)
            metrics["ild" + at] = ild;
        if (Novelty is double novelty)
            metrics["novelty" + at] = novelty;
        foreach (var (metric, interval) in Intervals)
        {
            metrics[metric + at + ".ci95.low"] = interval.Low;
            metrics[metric + at + ".ci95.high"] = interval.High;
        }
        return metrics;
    }
}
