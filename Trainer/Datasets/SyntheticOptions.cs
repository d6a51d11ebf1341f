namespace Personalization.Trainer.Datasets;

/// <summary>Shape of the built-in synthetic catalog and history, bound from <c>Bootstrap:Synthetic</c>.</summary>
public sealed class SyntheticOptions
{
    /// <summary>Users with history.</summary>
    public int Users { get; set; } = 5_000;

    /// <summary>Catalog size.</summary>
    public int Items { get; set; } = 20_000;

    /// <summary>Mean interactions per user (sizes are long-tailed around it).</summary>
    public int MeanInteractionsPerUser { get; set; } = 40;

    /// <summary>Zipf exponent of item popularity.</summary>
    public double PopularityExponent { get; set; } = 0.9;

    /// <summary>Share of a user's interactions drawn from their favourite genres.</summary>
    public double TasteShare { get; set; } = 0.8;

    /// <summary>Random seed: the same seed gives the same data.</summary>
    public int Seed { get; set; } = 7;
}
