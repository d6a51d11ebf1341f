using System.Globalization;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// Reads a Parquet file one row group at a time, as cells by column name, so memory is bounded by the writer's
/// row-group size and not the file's; shared by the interaction logs and the imported factor tables.
/// </summary>
internal static class ParquetRows
{
    /// <summary>The top-level column names and the number of row groups.</summary>
    public static (string[] Columns, int RowGroups) Schema(string path)
    {
        using var stream = File.OpenRead(path);
        var reader = Parquet.ParquetReader.CreateAsync(stream).GetAwaiter().GetResult();
        try
        {
            return ([.. reader.Schema.Fields.Select(f => f.Name)], reader.RowGroupCount);
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    /// <summary>Every row of the file in order, row group by row group, as cells by column name.</summary>
    public static IEnumerable<Dictionary<string, object>> Read(string path, int rowGroups)
    {
        for (var g = 0; g < rowGroups; g++)
        {
            IList<Dictionary<string, object>> rows;
            using (var stream = File.OpenRead(path))
                rows = Parquet.Serialization.ParquetSerializer.DeserializeUntypedAsync(stream, rowGroupIndex: g).GetAwaiter().GetResult().Data;
            foreach (var cells in rows) yield return cells;
        }
    }

    /// <summary>A cell as text: strings as they are, times as unix seconds, numbers in the invariant culture.</summary>
    public static string? Text(object? cell) => cell switch
    {
        null => null,
        string s => s,
        DateTime t => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        var other => other.ToString(),
    };
}
