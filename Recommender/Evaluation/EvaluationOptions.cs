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

    /// <summary>Seed of the <see cref="MaxUsers"/> sample.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>
    /// A test entry is relevant when its value is strictly greater than this: 0 (the default) takes positive signals;
    /// e.g. 3.5 takes ratings of 4 and 5 in an explicit matrix.
    /// </summary>
    public float RelevanceThreshold { get; init; }

    /// <summary>Progress is reported each time this many more users are done, and once at the end.</summary>
    public int ProgressInterval { get; init; } = 1000;

    /// <summary>Checks every setting.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range; the parameter name is the property's.</exception>
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
    }
}
