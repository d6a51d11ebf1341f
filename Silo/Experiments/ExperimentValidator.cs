using Personalization.Contracts;
using Personalization.Silo.Gateway;

namespace Personalization.Silo.Experiments;

/// <summary>Checks an experiment definition, naming every field that is wrong.</summary>
public static class ExperimentValidator
{
    /// <summary>Most variants per experiment.</summary>
    public const int MaxVariants = 20;

    /// <summary>Tolerance on the sum of the shares.</summary>
    public const double ShareTolerance = 1e-6;

    /// <summary>The problems, by field (empty when the definition is valid).</summary>
    public static Dictionary<string, string[]> Validate(string? id, ExperimentDefinition definition)
    {
        var errors = new Dictionary<string, string[]>();
        UsersEndpoints.Check(errors, "id", EventValidator.IdProblem(id));
        var variants = definition.Variants;
        if (variants is null || variants.Count == 0)
        {
            errors["variants"] = ["At least one variant is required."];
            return errors;
        }
        if (variants.Count > MaxVariants) errors["variants"] = [$"At most {MaxVariants} variants."];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < variants.Count; i++)
        {
            var v = variants[i];
            var at = $"variants[{i}]";
            if (v is null) { errors[at] = ["Must be an object."]; continue; }
            UsersEndpoints.Check(errors, at + ".name",
                string.IsNullOrWhiteSpace(v.Name) ? "Required."
                : v.Name.Length > 64 || v.Name.Any(char.IsControl) ? "At most 64 characters, no control characters."
                : !names.Add(v.Name) ? $"'{v.Name}' is used twice." : null);
            UsersEndpoints.Check(errors, at + ".share", !double.IsFinite(v.Share) || v.Share <= 0 || v.Share > 1 ? "Must be in (0, 1]." : null);
            if (v.Settings is { } s)
            {
                UsersEndpoints.Check(errors, at + ".settings.diversity", s.Diversity is { } d && !(d >= 0 && d <= 1) ? "Must be in [0, 1]." : null);
                UsersEndpoints.Check(errors, at + ".settings.popularityPenalty", s.PopularityPenalty is { } p && !(p >= 0 && p <= 100) ? "Must be in [0, 100]." : null);
                UsersEndpoints.Check(errors, at + ".settings.explorationShare", s.ExplorationShare is { } e && !(e >= 0 && e < 1) ? "Must be in [0, 1)." : null);
                UsersEndpoints.Check(errors, at + ".settings.candidatePool", s.CandidatePool is < 1 or > 10_000 ? "Must be from 1 to 10,000." : null);
                UsersEndpoints.Check(errors, at + ".settings.model", s.Model is not (null or "als" or "multvae" or "sasrec") ? "Must be als, multvae or sasrec." : null);
            }
        }
        var sum = variants.Where(v => v is not null && double.IsFinite(v.Share)).Sum(v => v.Share);
        if (!errors.Keys.Any(k => k.EndsWith(".share", StringComparison.Ordinal)) && Math.Abs(sum - 1) > ShareTolerance)
            errors["variants"] = [$"The shares must sum to 1, not {sum:0.######}."];
        return errors;
    }
}
