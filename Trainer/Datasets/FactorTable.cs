using System.Collections;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// Factors trained elsewhere, read from Parquet: one row per id with its vector, as a distributed trainer writes them.
/// Apache Spark MLlib's ALS writes <c>model.itemFactors</c> (and <c>userFactors</c>) as a folder of part files with an
/// <c>id</c> column and a <c>features</c> column (<c>array&lt;float&gt;</c>); a job that joins its integer ids back to
/// the catalog's writes string ids in the same layout.
/// </summary>
/// <param name="Ids">The id of each row.</param>
/// <param name="Factors">Row-major rows × <paramref name="Dimensions"/> values.</param>
/// <param name="Dimensions">The length of every vector.</param>
public sealed record FactorTable(string[] Ids, float[] Factors, int Dimensions)
{
    /// <summary>Number of rows.</summary>
    public int Rows => Ids.Length;

    /// <summary>
    /// Reads a Parquet file, or every <c>*.parquet</c> file of a folder in name order (Spark's part files), one row
    /// group at a time.
    /// </summary>
    /// <param name="path">A <c>.parquet</c> file or a folder of them.</param>
    /// <param name="idColumn">The column holding each row's id (string or integer).</param>
    /// <param name="featuresColumn">The column holding each row's vector (a list of float or double).</param>
    /// <exception cref="FileNotFoundException">No such file or folder, or a folder without Parquet files.</exception>
    /// <exception cref="DatasetFormatException">A column is missing, an id is empty or repeated, a vector is missing,
    /// has another length than the first, or holds a value that is not a finite number; the message names the file and
    /// the row.</exception>
    public static FactorTable Read(string path, string idColumn = "id", string featuresColumn = "features")
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] files;
        if (Directory.Exists(path))
        {
            files = Directory.GetFiles(path, "*.parquet");
            Array.Sort(files, StringComparer.Ordinal);
            if (files.Length == 0) throw new FileNotFoundException($"{path}: no .parquet files in the folder.", path);
        }
        else if (File.Exists(path))
        {
            files = [path];
        }
        else
        {
            throw new FileNotFoundException($"{path}: file not found.", path);
        }

        var ids = new List<string>();
        var factors = new List<float>();
        var rowsById = new Dictionary<string, (string File, long Row)>(StringComparer.Ordinal);
        var dimensions = 0;
        foreach (var file in files)
        {
            var (top, groups) = ParquetRows.Schema(file);
            foreach (var column in new[] { idColumn, featuresColumn })
                if (!top.Contains(column, StringComparer.Ordinal))
                    throw new DatasetFormatException(file, 0, $"no column '{column}' in the schema ({string.Join(',', top)}).");
            long row = 0;
            foreach (var cells in ParquetRows.Read(file, groups))
            {
                row++;
                var id = cells.TryGetValue(idColumn, out var idCell) ? ParquetRows.Text(idCell) : null;
                if (string.IsNullOrEmpty(id)) throw new DatasetFormatException(file, row, $"the id ('{idColumn}') is empty.");
                if (!rowsById.TryAdd(id, (file, row)))
                {
                    var first = rowsById[id];
                    throw new DatasetFormatException(file, row, $"id '{id}' appears again (first at {first.File}:{first.Row}).");
                }
                if (!cells.TryGetValue(featuresColumn, out var vector) || vector is not IEnumerable values || vector is string)
                    throw new DatasetFormatException(file, row, $"'{featuresColumn}' of id '{id}' is not a list of numbers.");
                var before = factors.Count;
                foreach (var value in values)
                {
                    var number = value switch
                    {
                        float f => f,
                        double d => (float)d,
                        _ => float.NaN,
                    };
                    if (!float.IsFinite(number))
                        throw new DatasetFormatException(file, row, $"'{featuresColumn}' of id '{id}' holds {value ?? "null"}, not a finite number.");
                    factors.Add(number);
                }
                var length = factors.Count - before;
                if (dimensions == 0) dimensions = length;
                if (length == 0 || length != dimensions)
                    throw new DatasetFormatException(file, row, $"'{featuresColumn}' of id '{id}' has {length} values; the first row had {dimensions}.");
                ids.Add(id);
            }
        }
        if (ids.Count == 0) throw new DatasetFormatException(files[0], 0, "no rows.");
        return new FactorTable([.. ids], [.. factors], dimensions);
    }
}
