using System.CommandLine;
using Personalization.Recommender;
using Personalization.Trainer.Models;

namespace Personalization.Trainer.Cli;

/// <summary>The model-choosing options (<c>--model --factors --iterations ...</c>) of one command.</summary>
internal sealed class ModelOptions
{
    private readonly Option<string> _model = CliOptions.Model();
    private readonly Option<int> _factors = CliOptions.Factors();
    private readonly Option<int?> _iterations = CliOptions.Iterations();
    private readonly Option<float?> _regularization = CliOptions.Regularization();
    private readonly Option<float> _alpha = CliOptions.Alpha();
    private readonly Option<string> _solver = CliOptions.Solver();
    private readonly Option<int> _threads = CliOptions.Threads();
    private readonly Option<int> _seed = CliOptions.Seed();
    private readonly Option<string?> _settings = new("--settings") { Description = "Tuned settings (a file `tune --out` wrote) applied over the model's defaults." };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _model, _factors, _iterations, _regularization, _alpha, _solver, _threads, _seed, _settings })
            command.Options.Add(option);
    }

    /// <summary>The spec a parse result describes, with the tuned settings of <c>--settings</c> applied.</summary>
    public ModelSpec Read(ParseResult result) => result.GetValue(_settings) is { Length: > 0 } path
        ? Tuning.TunedSettings.Read(path).ApplyTo(ReadOptions(result))
        : ReadOptions(result);

    private ModelSpec ReadOptions(ParseResult result) => new()
    {
        Model = result.GetValue(_model)!,
        Factors = result.GetValue(_factors),
        Iterations = result.GetValue(_iterations),
        Regularization = result.GetValue(_regularization),
        Alpha = result.GetValue(_alpha),
        Solver = result.GetValue(_solver) switch
        {
            "cg" => AlsSolver.ConjugateGradient,
            "cholesky" => AlsSolver.Cholesky,
            var other => throw new ArgumentException($"--solver must be 'cg' or 'cholesky', not '{other}'."),
        },
        Threads = result.GetValue(_threads),
        Seed = result.GetValue(_seed),
    };
}
