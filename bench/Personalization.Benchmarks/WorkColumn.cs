using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Personalization.Benchmarks;

/// <summary>How a <see cref="WorkColumn"/> shows the work of an operation.</summary>
public enum WorkDisplay
{
    /// <summary>The work itself.</summary>
    Count,

    /// <summary>Work / mean in ns: giga-units per second (GFLOP/s, GB/s).</summary>
    Rate,

    /// <summary>Mean in ns / work: nanoseconds per unit.</summary>
    NanosecondsPerUnit,
}

/// <summary>A column derived from a per-operation amount of work (from the case's parameters) and the measured mean.</summary>
public sealed class WorkColumn(string name, string legend, Func<BenchmarkCase, double> workPerOperation, WorkDisplay display) : IColumn
{
    /// <inheritdoc />
    public string Id => nameof(WorkColumn) + "." + name;

    /// <inheritdoc />
    public string ColumnName => name;

    /// <inheritdoc />
    public bool AlwaysShow => true;

    /// <inheritdoc />
    public ColumnCategory Category => ColumnCategory.Custom;

    /// <inheritdoc />
    public int PriorityInCategory => 0;

    /// <inheritdoc />
    public bool IsNumeric => true;

    /// <inheritdoc />
    public UnitType UnitType => UnitType.Dimensionless;

    /// <inheritdoc />
    public string Legend => legend;

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    /// <inheritdoc />
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        double work = workPerOperation(benchmarkCase);
        if (display == WorkDisplay.Count)
            return work.ToString("N0", invariant);
        double? meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        if (meanNs is not > 0 || work <= 0)
            return "NA";
        return display == WorkDisplay.Rate ? (work / meanNs.Value).ToString("F2", invariant) : (meanNs.Value / work).ToString("F3", invariant);
    }

    /// <inheritdoc />
    public bool IsAvailable(Summary summary) => true;

    /// <inheritdoc />
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    /// <summary>An integer parameter of the case.</summary>
    public static int Parameter(BenchmarkCase benchmarkCase, string name) => (int)benchmarkCase.Parameters[name]!;
}
