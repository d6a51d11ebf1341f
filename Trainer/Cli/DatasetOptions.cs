using System.CommandLine;
using Personalization.Trainer.Datasets;

namespace Personalization.Trainer.Cli;

/// <summary>The data-set options (<c>--dataset --columns --catalog</c>) of one command.</summary>
internal sealed class DatasetOptions(bool required)
{
    private readonly Option<string[]> _dataset = CliOptions.Dataset(required);

    private readonly Option<string?> _columns = new("--columns")
    {
        Description = "With --dataset logs: which column holds what, e.g. user=uid,item=title_id,type=event,value=seconds,time=ts "
            + "(defaults userId, itemId, type, value, timestamp; type=- or value=- for none).",
    };

    private readonly Option<string?> _catalog = new("--catalog")
    {
        Description = "With --dataset logs: the catalog CSV (itemId,title,genres); without it the catalog is the log's items.",
    };

    /// <summary>Adds the options to a command.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(_dataset);
        command.Options.Add(_columns);
        command.Options.Add(_catalog);
    }

    /// <summary>The data set named, or null when <c>--dataset</c> was not given.</summary>
    public DatasetSpec? Read(ParseResult result) => result.GetValue(_dataset) is { Length: > 0 } spec
        ? new DatasetSpec(spec, ColumnMapping.Parse(result.GetValue(_columns)), result.GetValue(_catalog))
        : null;
}

/// <summary>A data set as the command line names it.</summary>
/// <param name="Spec"><c>movielens DIR</c>, <c>logs FILE</c> or <c>synthetic</c>.</param>
/// <param name="Columns">The column mapping of a log.</param>
/// <param name="Catalog">The catalog of a log, or null.</param>
internal sealed record DatasetSpec(IReadOnlyList<string> Spec, ColumnMapping Columns, string? Catalog);
