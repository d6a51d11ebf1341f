namespace Personalization.Recommender.Tuning;

/// <summary>
/// Hyperparameter search by successive halving (Jamieson and Talwalkar 2016; the inner loop of Hyperband, Li et al.
/// 2017): draw many configurations, give each a small budget (e.g. a few ALS iterations), keep the best fraction,
/// multiply the budget, and repeat until one configuration remains or the full budget is reached. Most of the compute
/// goes to the configurations that look best early, which for matrix factorization rank nearly as they finish.
/// </summary>
/// <remarks>
/// The objective is maximized (e.g. NDCG@20 on a validation split). Draws come from a seeded generator, so a search is
/// reproducible. Models without a budget to grow (EASE: one closed-form solve) pass <c>minBudget = maxBudget</c>,
/// which makes this a random search of <c>configurations</c> draws.
/// </remarks>
public static class SuccessiveHalving
{
    /// <summary>Runs the search.</summary>
    /// <param name="dimensions">The log ranges searched.</param>
    /// <param name="objective">Scores one configuration (values in the order of <paramref name="dimensions"/>) at a budget; higher is better.</param>
    /// <param name="configurations">Configurations drawn at the start, at least 1.</param>
    /// <param name="minBudget">Budget of the first round, at least 1.</param>
    /// <param name="maxBudget">Budget of the last round, at least <paramref name="minBudget"/>.</param>
    /// <param name="eta">Keep 1/eta of the configurations per round and multiply the budget by eta; at least 2.</param>
    /// <param name="seed">Seed of the draws.</param>
    /// <param name="baseline">A configuration that always enters the first round (e.g. the current defaults), or null.</param>
    /// <param name="progress">Each trial as it finishes.</param>
    /// <param name="cancellationToken">Stops the search.</param>
    /// <returns>Every trial run, and the best configuration at the largest budget reached.</returns>
    public static TuningResult Run(
        IReadOnlyList<SearchDimension> dimensions, Func<double[], int, double> objective, int configurations, int minBudget, int maxBudget,
        int eta = 3, int seed = 1, double[]? baseline = null, IProgress<TuningTrial>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(objective);
        ArgumentOutOfRangeException.ThrowIfLessThan(configurations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minBudget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBudget, minBudget);
        ArgumentOutOfRangeException.ThrowIfLessThan(eta, 2);
        if (baseline is not null && baseline.Length != dimensions.Count)
            throw new ArgumentException($"The baseline has {baseline.Length} values for {dimensions.Count} dimensions.", nameof(baseline));

        var random = new Random(seed);
        var alive = new List<double[]>(configurations);
        if (baseline is not null) alive.Add((double[])baseline.Clone());
        while (alive.Count < configurations)
            alive.Add(dimensions.Select(d => d.Draw(random)).ToArray());

        var trials = new List<TuningTrial>();
        int budget = minBudget, round = 0;
        while (true)
        {
            var scored = new List<(double[] Values, double Score)>(alive.Count);
            foreach (var values in alive)
            {
                cancellationToken.ThrowIfCancellationRequested();
                double score = objective(values, budget);
                var trial = new TuningTrial(round, budget, Named(dimensions, values), score);
                trials.Add(trial);
                progress?.Report(trial);
                scored.Add((values, double.IsNaN(score) ? double.NegativeInfinity : score));
            }
            // Stable: equal scores keep the order of the draws, so the baseline wins ties.
            scored = [.. scored.OrderByDescending(s => s.Score)];
            if (budget >= maxBudget || scored.Count == 1)
                return new TuningResult(Named(dimensions, scored[0].Values), scored[0].Score, budget, trials);
            alive = [.. scored.Take(Math.Max(1, scored.Count / eta)).Select(s => s.Values)];
            budget = (int)Math.Min(maxBudget, (long)budget * eta);
            round++;
        }
    }

    private static IReadOnlyDictionary<string, double> Named(IReadOnlyList<SearchDimension> dimensions, double[] values) =>
        dimensions.Select((d, i) => (d.Name, Value: values[i])).ToDictionary(p => p.Name, p => p.Value);
}

/// <summary>One configuration scored at one budget.</summary>
/// <param name="Round">0 for the first round.</param>
/// <param name="Budget">The budget it had (e.g. iterations).</param>
/// <param name="Settings">Its values by parameter name.</param>
/// <param name="Score">The objective (higher is better).</param>
public sealed record TuningTrial(int Round, int Budget, IReadOnlyDictionary<string, double> Settings, double Score);

/// <summary>The outcome of a search.</summary>
/// <param name="Best">The best configuration of the last round.</param>
/// <param name="Score">Its objective at <paramref name="Budget"/>.</param>
/// <param name="Budget">The budget of the last round.</param>
/// <param name="Trials">Every trial, in the order run.</param>
public sealed record TuningResult(IReadOnlyDictionary<string, double> Best, double Score, int Budget, IReadOnlyList<TuningTrial> Trials);
