using Personalization.Contracts;
using Personalization.Recommender.Reranking;

namespace Personalization.Grains.Experiments;

/// <summary>An experiment as the silo applies it: its variants, their normalized shares and their ranking overrides.</summary>
/// <param name="Id">Experiment id.</param>
/// <param name="Epoch">Assignment epoch.</param>
/// <param name="Variants">The variants, control first.</param>
/// <param name="Shares">Traffic shares, in variant order.</param>
/// <param name="CreatedAt">When it was defined.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record RunningExperiment(string Id, int Epoch, IReadOnlyList<ExperimentVariant> Variants, double[] Shares,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>Index of a variant by name, or −1.</summary>
    public int IndexOf(string name)
    {
        for (var i = 0; i < Variants.Count; i++) if (Variants[i].Name == name) return i;
        return -1;
    }

    /// <summary>The ranking settings of variant <paramref name="index"/>: <paramref name="defaults"/> with the variant's overrides.</summary>
    public RankingSettings Apply(int index, RankingSettings defaults)
    {
        if (Variants[index].Settings is not { } s) return defaults;
        return defaults with
        {
            Diversity = s.Diversity ?? defaults.Diversity,
            PopularityPenalty = s.PopularityPenalty ?? defaults.PopularityPenalty,
            ExplorationShare = s.ExplorationShare ?? defaults.ExplorationShare,
            CandidatePool = s.CandidatePool ?? defaults.CandidatePool,
        };
    }

    /// <summary>The model family variant <paramref name="index"/> ranks with, or null for the newest served model.</summary>
    public string? ModelOf(int index) => Variants[index].Settings?.Model;

    /// <summary>The public view.</summary>
    public ExperimentView ToView() => new(Id, Epoch, Variants, CreatedAt, UpdatedAt);
}
