namespace Personalization.Trainer.Datasets;

/// <summary>Splits one RFC 4180 CSV line (quoted fields, doubled quotes) into fields.</summary>
internal static class CsvLine
{
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
