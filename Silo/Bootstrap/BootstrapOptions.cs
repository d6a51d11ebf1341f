using Personalization.Trainer.Datasets;

namespace Personalization.Silo.Bootstrap;

/// <summary>What an empty silo starts from, bound from the <c>Bootstrap</c> section.</summary>
public sealed class BootstrapOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Bootstrap";

    /// <summary><c>synthetic</c> (default) or <c>movielens</c>.</summary>
    public string Dataset { get; set; } = "synthetic";

    /// <summary>The MovieLens folder when <see cref="Dataset"/> is <c>movielens</c>.</summary>
    public string? DatasetPath { get; set; }

    /// <summary>Shape of the synthetic data set.</summary>
    public SyntheticOptions Synthetic { get; set; } = new();

    /// <summary>Import the data set when the store has no catalog.</summary>
    public bool ImportWhenEmpty { get; set; } = true;

    /// <summary>Train a first model in process when the registry has none (the embedded trainer).</summary>
    public bool TrainWhenNoModel { get; set; } = true;
}
