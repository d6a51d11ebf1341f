using System.CommandLine;

namespace Personalization.Trainer.Cli;

/// <summary>Options shared by several commands, defined once so names, defaults and help agree everywhere.</summary>
internal static class CliOptions
{
    public static Option<string> DataDir() => new("--data-dir") { Description = "Storage folder (SQLite).", DefaultValueFactory = _ => "data" };

    public static Option<string?> Postgres() => new("--postgres") { Description = "PostgreSQL connection string (the cluster store) instead of SQLite." };

    public static Option<string[]> Dataset(bool required) => new("--dataset")
    {
        Description = "Data set: 'movielens DIR' (any MovieLens folder: CSV as ml-latest and ml-20m/25m/32m, '::' .dat as ml-1m/ml-10m, or ml-100k) or 'synthetic'.",
        Arity = new ArgumentArity(1, 2),
        AllowMultipleArgumentsPerToken = true,
        Required = required,
    };

    public static Option<string> Model() => new("--model") { Description = "als, ease, mf, multvae, popularity or sasrec.", DefaultValueFactory = _ => "als" };

    public static Option<int> Factors() => new("--factors") { Description = "Latent factors (als, mf).", DefaultValueFactory = _ => 64 };

    public static Option<int?> Iterations() => new("--iterations") { Description = "ALS iterations or MF epochs (default: the model's)." };

    public static Option<float?> Regularization() => new("--regularization") { Description = "λ (default: the model's: als 20, ease 500, mf per its options)." };

    public static Option<float> Alpha() => new("--alpha") { Description = "ALS confidence scale: c = 1 + alpha·|signal|.", DefaultValueFactory = _ => Recommender.AlsOptions.DefaultAlpha };

    public static Option<string> Solver() => new("--solver") { Description = "ALS row solver: cg (conjugate gradient) or cholesky (exact).", DefaultValueFactory = _ => "cg" };

    public static Option<int> Threads() => new("--threads") { Description = "Threads (0: all cores).", DefaultValueFactory = _ => 0 };

    public static Option<int> Seed() => new("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 42 };

    public static Option<int> K() => new("--k") { Description = "Length of each ranking.", DefaultValueFactory = _ => 20 };
}
