namespace Personalization.Trainer.Datasets;

/// <summary>Splits one RFC 4180 CSV line (quoted fields, doubled quotes) into fields.</summary>
internal static class CsvLine
{
    /// <summary>
    /// Reads a small CSV file with a fixed header (a catalog, tags), handing each non-empty line's fields and line number
    /// to <paramref name="row"/>; the header, quoting and field count are checked with the file and line named.
    /// </summary>
    public static void ReadFile(string path, string[] header, Action<List<string>, long> row)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        using var reader = new StreamReader(path);
        var fields = new List<string>(header.Length);
        var first = reader.ReadLine();
        if (first is null || !TrySplit(first, fields) || !fields.SequenceEqual(header))
            throw new DatasetFormatException(path, 1, $"expected the header '{string.Join(',', header)}'.");
        long line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            if (!TrySplit(text, fields)) throw new DatasetFormatException(path, line, "malformed CSV (unbalanced quotes or stray characters).");
            if (fields.Count != header.Length) throw new DatasetFormatException(path, line, $"expected {header.Length} fields, found {fields.Count}.");
            row(fields, line);
        }
    }

    public static bool TrySplit(string line, List<string> fields)
    {
        fields.Clear();
        var i = 0;
        while (true)
        {
            if (i < line.Length && line[i] == '"')
            {
                var field = new System.Text.StringBuilder();
                i++;
                while (true)
                {
                    if (i >= line.Length) return false; // unterminated quote
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i += 2; continue; }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                fields.Add(field.ToString());
                if (i == line.Length) return true;
                if (line[i] != ',') return false;
                i++;
            }
            else
            {
                var comma = line.IndexOf(',', i);
                if (comma < 0) { fields.Add(line[i..]); return true; }
                fields.Add(line[i..comma]);
                i = comma + 1;
            }
        }
    }
}
