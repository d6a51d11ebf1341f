using System.Collections.ObjectModel;

namespace Personalization.Recommender.Models;

/// <summary>
/// Implicit ALS as an <see cref="IRecommenderModel"/>: a user is folded in from their interactions with the exact
/// <see cref="FoldIn"/> solve, the very code the user grains run on every event, then every item is scored.
/// </summary>
public sealed class AlsModel : IRecommenderModel
{
    /// <summary>Wraps trained item factors.</summary>
    /// <param name="factors">Number of latent factors k.</param>
    /// <param name="alpha">Confidence scale α used in training.</param>
    /// <param name="regularization">λ used in training.</param>
    /// <param name="itemFactors">Row-major items·k factors.</param>
    /// <param name="gram">YᵀY of <paramref name="itemFactors"/>, row-major k×k; computed when null.</param>
    /// <param name="parameters">Hyper-parameters to report; copied.</param>
    public AlsModel(int factors, float alpha, float regularization, float[] itemFactors, double[]? gram, IReadOnlyDictionary<string, double> parameters)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentNullException.ThrowIfNull(parameters);
        if (itemFactors.Length % factors != 0)
            throw new ArgumentException($"{itemFactors.Length} factors are not a whole number of rows of {factors}.", nameof(itemFactors));
        Factors = factors;
        Alpha = alpha;
        Regularization = regularization;
        ItemFactors = itemFactors;
        Items = itemFactors.Length / factors;
        Gram = gram ?? GramMatrix.Compute(itemFactors, Items, factors, Environment.ProcessorCount);
        if (Gram.Length != factors * factors)
            throw new ArgumentException($"Expected a {factors}×{factors} Gram matrix, got {Gram.Length} elements.", nameof(gram));
        Parameters = new ReadOnlyDictionary<string, double>(new Dictionary<string, double>(parameters, StringComparer.Ordinal));
    }

    /// <summary>Views a published serving model as an <see cref="IRecommenderModel"/> (no copies).</summary>
    /// <param name="model">The published model.</param>
    public static AlsModel From(FactorModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new AlsModel(model.Factors, model.Alpha, model.Regularization, model.ItemFactors, model.Gram,
            new Dictionary<string, double> { ["factors"] = model.Factors, ["alpha"] = model.Alpha, ["regularization"] = model.Regularization });
    }

    /// <inheritdoc />
    public string Name => "als";

    /// <inheritdoc />
    public int Items { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, double> Parameters { get; }

    /// <summary>Number of latent factors k.</summary>
    public int Factors { get; }

    /// <summary>Confidence scale α used in training.</summary>
    public float Alpha { get; }

    /// <summary>λ used in training.</summary>
    public float Regularization { get; }

    /// <summary>Row-major item factors.</summary>
    public float[] ItemFactors { get; }

    /// <summary>YᵀY of <see cref="ItemFactors"/>.</summary>
    public double[] Gram { get; }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores)
    {
        Span<float> user = Factors <= 256 ? stackalloc float[Factors] : new float[Factors];
        FoldIn.Solve(ItemFactors, Factors, Gram, items, values, Alpha, Regularization, user);
        Scoring.ScoreAll(ItemFactors, Factors, user, scores);
    }
}
