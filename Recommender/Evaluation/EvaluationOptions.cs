using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Evaluation;

/// <summary>Settings of <see cref="RankingEvaluator"/>.</summary>
public sealed class EvaluationOptions
{
    /// <summary>Cut-off K: the length of each user's recommendation list.</summary>
    public int K { get; init; } = 20;

    /// <summary>Maximum number of threads scoring users; results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Evaluates at most this many users, a uniform sample (by <see cref="Seed"/>) of the eligible ones, to bound the
    /// cost on large data; <see langword="null"/> evaluates all.
    /// </summary>
    public int? MaxUsers { get; init; }

    /// <summary>Seed of the <see cref="MaxUsers"/> sample and, mixed with each user's row index, of that user's
    /// exploration draws (<see cref="Ranking"/>).</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// A test entry is relevant when its value is strictly greater than this: 0 (the default) takes positive signals;
    /// e.g. 3.5 takes ratings of 4 and 5 in an explicit matrix.
    /// </summary>
    public float RelevanceThreshold { get; init; }

    /// <summary>Progress is reported each time this many more users are done, and once at the end.</summary>
    public int ProgressInterval { get; init; } = 1000;

    /// <summary>
    /// How each user's list is formed from the scores: <see cref="RankingSettings.Default"/> (the default) is plain
    /// top-K; otherwise <see cref="Reranker.Rerank"/> with these settings, which may need <see cref="ItemVectors"/>
    /// (diversity) and <see cref="ItemPopularity"/> (popularity penalty, exploration).
    /// </summary>
    public RankingSettings Ranking { get; init; } = RankingSettings.Default;

    /// <summary>
    /// Unit item vectors, one per catalog item: compared by MMR when <see cref="Ranking"/> asks for diversity, and by
    /// intra-list diversity (<see cref="EvaluationResult.Ild"/>), which is computed only when they are given.
    /// </summary>
    public ItemVectors? ItemVectors { get; init; }

    /// <summary>
    /// Users per item in the training data (e.g. with a positive signal): the popularity the penalty and exploration of
    /// <see cref="Ranking"/> use, and what novelty (<see cref="EvaluationResult.Novelty"/>) is measured against; novelty
    /// is computed only when it is given, with <see cref="PopulationSize"/>.
    /// </summary>
    public float[]? ItemPopularity { get; init; }

    /// <summary>The number of users <see cref="ItemPopularity"/> was counted over: the denominator of novelty's share.</summary>
    public int PopulationSize { get; init; }

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the property's.</exception>
    /// <exception cref="ArgumentException"><see cref="Ranking"/> needs <see cref="ItemVectors"/> or
    /// <see cref="ItemPopularity"/> and it is missing; the parameter name is the missing property's.</exception>
    public void Validate()
    {
        if (K < 1)
            throw new ArgumentOutOfRangeException(nameof(K), K, "K must be at least 1.");
        if (Threads < 1)
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "Threads must be at least 1.");
        if (MaxUsers < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxUsers), MaxUsers, "MaxUsers must be at least 1 when set.");
        if (!float.IsFinite(RelevanceThreshold))
            throw new ArgumentOutOfRangeException(nameof(RelevanceThreshold), RelevanceThreshold, "RelevanceThreshold must be finite.");
        if (ProgressInterval < 1)
            throw new ArgumentOutOfRangeException(nameof(ProgressInterval), ProgressInterval, "ProgressInterval must be at least 1.");
        if (Ranking is null)
            throw new ArgumentOutOfRangeException(nameof(Ranking), Ranking, "Ranking must be set (RankingSettings.Default is plain top-K).");
        if (ItemPopularity is not null && PopulationSize < 1)
            throw new ArgumentOutOfRangeException(nameof(PopulationSize), PopulationSize, "PopulationSize must be at least 1 when ItemPopularity is set.");
        if (Ranking.Diversity > 0f && ItemVectors is null)
            throw new ArgumentException("Diversity compares items by their vectors: ItemVectors must be set.", nameof(ItemVectors));
        if ((Ranking.PopularityPenalty > 0f || Ranking.ExplorationSlots(K) > 0) && ItemPopularity is null)
            throw new ArgumentException("The popularity penalty and exploration need ItemPopularity.", nameof(ItemPopularity));
    }
}
