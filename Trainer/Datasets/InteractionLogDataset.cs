using System.Globalization;
using System.Text.Json;
using Personalization.Contracts;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// A user's own interaction log: CSV (with a header), JSON Lines or Parquet, chosen by the file's extension, with a
/// <see cref="ColumnMapping"/> naming which column holds the user, item, type, value and time, and optionally a
/// catalog file (CSV with the header <c>itemId,title,genres</c>, genres '|'-separated). Without a catalog, the
/// catalog is the log's distinct items, titled by their ids. The log streams; only the distinct ids are held.
/// </summary>
public static class InteractionLogDataset
{
    /// <summary>Opens the log (and reads the catalog, or the log's items when there is none).</summary>
    /// <param name="path">The log: <c>.csv</c>, <c>.jsonl</c>/<c>.ndjson</c> or <c>.parquet</c>.</param>
    /// <param name="mapping">Which column holds what.</param>
    /// <param name="catalogPath">The catalog CSV, or null.</param>
    /// <param name="progress">Progress lines.</param>
    /// <exception cref="DatasetFormatException">A bad line: names the file, line and column.</exception>
    public static Dataset Load(string path, ColumnMapping mapping, string? catalogPath = null, IProgress<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        var format = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".csv" => Format.Csv,
            ".jsonl" or ".ndjson" => Format.JsonLines,
            ".parquet" => Format.Parquet,
            var other => throw new ArgumentException($"{path}: unknown log format '{other}' (use .csv, .jsonl, .ndjson or .parquet)."),
        };
        List<CatalogItem> items;
        if (catalogPath is not null)
        {
            items = ReadCatalog(catalogPath);
        }
        else
        {
            // A first pass for the distinct items: the catalog must be known before the history streams.
            var seen = new IdPool();
            items = [];
            foreach (var row in Rows(path, format, mapping, known: null))
                if (seen.Find(row.ItemId) is null)
                {
                    seen.Intern(row.ItemId);
                    items.Add(new CatalogItem(row.ItemId, row.ItemId, [], [], DateTimeOffset.UnixEpoch));
                }
        }
        progress?.Report($"{Path.GetFileName(catalogPath ?? path)}: {items.Count} items");
        var known = new IdPool();
        foreach (var item in items) known.Intern(item.ItemId);
        return new Dataset($"log:{Path.GetFileName(path)}", items, Rows(path, format, mapping, known));
    }

    private enum Format
    {
        Csv,
        JsonLines,
        Parquet,
    }

    private static List<CatalogItem> ReadCatalog(string path)
    {
        var items = new List<CatalogItem>();
        CsvLine.ReadFile(path, ["itemId", "title", "genres"], (fields, line) =>
        {
            if (fields[0].Length == 0) throw new DatasetFormatException(path, line, "itemId is empty.", 1);
            items.Add(new CatalogItem(fields[0], fields[1], [.. fields[2].Split('|', StringSplitOptions.RemoveEmptyEntries)], [], DateTimeOffset.UnixEpoch));
        });
        return items;
    }

    // Every row as a record; `known` null means "any item" (the catalog pass).
    private static IEnumerable<InteractionRecord> Rows(string path, Format format, ColumnMapping mapping, IdPool? known) => format switch
    {
        Format.Csv => CsvRows(path, mapping, known),
        Format.JsonLines => JsonRows(path, mapping, known),
        _ => ParquetLog(path, mapping, known),
    };

    private static IEnumerable<InteractionRecord> CsvRows(string path, ColumnMapping mapping, IdPool? known)
    {
        int columns;
        string[] header;
        using (var peek = new StreamReader(path))
        {
            var first = peek.ReadLine() ?? throw new DatasetFormatException(path, 1, "the file is empty: expected a header line.");
            header = first.Split(',');
            columns = header.Length;
        }
        int Column(string? name, bool required)
        {
            if (name is null) return -1;
            var at = Array.IndexOf(header, name);
            if (at < 0 && required) throw new DatasetFormatException(path, 1, $"no column '{name}' in the header ({string.Join(',', header)}).");
            return at;
        }
        int user = Column(mapping.User, true), item = Column(mapping.Item, true), time = Column(mapping.Time, true);
        int type = Column(mapping.Type, mapping.Type != "type"), value = Column(mapping.Value, mapping.Value != "value");
        var users = new IdPool();
        var items = new IdPool();
        using var reader = new DelimitedReader(path, ",", columns);
        reader.Read(); // the header
        var source = $"{InteractionRecord.ImportPrefix}log:";
        Func<int, int> columnOf = reader.ColumnOf;
        while (reader.Read())
        {
            var row = new RowParser(reader.Path, reader.Line, columnOf);
            yield return row.Record(source, reader[user], user, reader[item], item, type < 0 ? default : reader[type], type, value < 0 ? default : reader[value], value,
                reader[time], time, users, known ?? items, known is not null);
        }
    }

    private static IEnumerable<InteractionRecord> JsonRows(string path, ColumnMapping mapping, IdPool? known)
    {
        var users = new IdPool();
        var items = new IdPool();
        var source = $"{InteractionRecord.ImportPrefix}log:";
        using var reader = new StreamReader(path);
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(text);
            }
            catch (JsonException ex)
            {
                throw new DatasetFormatException(path, line, $"not a JSON object: {ex.Message}", (int)(ex.BytePositionInLine ?? 0) + 1);
            }
            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new DatasetFormatException(path, line, "not a JSON object.");
                string? Text(string? name, bool required)
                {
                    if (name is null) return null;
                    if (!root.TryGetProperty(name, out var property) || property.ValueKind == JsonValueKind.Null)
                        return required ? throw new DatasetFormatException(path, line, $"no property '{name}'.") : null;
                    return property.ValueKind == JsonValueKind.String ? property.GetString() : property.GetRawText();
                }
                var row = new RowParser(path, line, static _ => 0);
                yield return row.Record(source, Text(mapping.User, true), 0, Text(mapping.Item, true), 0, Text(mapping.Type, false), 0,
                    Text(mapping.Value, false), 0, Text(mapping.Time, true), 0, users, known ?? items, known is not null);
            }
        }
    }

    private static IEnumerable<InteractionRecord> ParquetLog(string path, ColumnMapping mapping, IdPool? known)
    {
        var users = new IdPool();
        var items = new IdPool();
        var source = $"{InteractionRecord.ImportPrefix}log:";
        var (names, groups) = ParquetRows.Schema(path);
        string? Field(string? name, bool required) => name is null || names.Contains(name) ? name
            : required ? throw new DatasetFormatException(path, 0, $"no field '{name}' in the schema ({string.Join(',', names)}).") : null;
        var user = Field(mapping.User, true)!;
        var item = Field(mapping.Item, true)!;
        var time = Field(mapping.Time, true)!;
        var type = Field(mapping.Type, mapping.Type != "type");
        var value = Field(mapping.Value, mapping.Value != "value");
        long row = 0;
        foreach (var cells in ParquetRows.Read(path, groups))
        {
            row++;
            string? Cell(string? name) => name is not null && cells.TryGetValue(name, out var v) ? ParquetRows.Text(v) : null;
            var parser = new RowParser(path, row, static _ => 0);
            yield return parser.Record(source, Cell(user), 0, Cell(item), 0, Cell(type), 0, Cell(value), 0, Cell(time), 0,
                users, known ?? items, known is not null);
        }
    }

    // One row's checks, each naming the file, the row and (for CSV) the column.
    private readonly struct RowParser(string path, long line, Func<int, int> columnOf)
    {
        public InteractionRecord Record(string source, ReadOnlySpan<char> user, int userColumn, ReadOnlySpan<char> item, int itemColumn,
            ReadOnlySpan<char> type, int typeColumn, ReadOnlySpan<char> value, int valueColumn, ReadOnlySpan<char> time, int timeColumn,
            IdPool users, IdPool items, bool catalogKnown)
        {
            if (user.IsEmpty) throw Error(userColumn, "the user id is empty.");
            if (item.IsEmpty) throw Error(itemColumn, "the item id is empty.");
            string itemId;
            if (catalogKnown) itemId = items.Find(item) ?? throw Error(itemColumn, $"item '{item}' is not in the catalog.");
            else itemId = items.Intern(item);
            float? number = null;
            if (!value.IsEmpty)
            {
                if (!float.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) || !float.IsFinite(parsed))
                    throw Error(valueColumn, $"value '{value}' is not a number.");
                number = parsed;
            }
            string typeName;
            if (type.IsEmpty) typeName = number is null ? "play" : "rating";
            else if (InteractionTypes.TryParse(type.ToString(), out var parsedType)) typeName = InteractionTypes.WireName(parsedType);
            else throw Error(typeColumn, $"type '{type}' is not an event type ({string.Join(", ", InteractionTypes.Names)}).");
            DateTimeOffset at;
            if (long.TryParse(time, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) && seconds is >= -62_135_596_800 and <= 253_402_300_799)
                at = DateTimeOffset.FromUnixTimeSeconds(seconds);
            else if (!DateTimeOffset.TryParse(time, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out at))
                throw Error(timeColumn, $"time '{time}' is neither Unix seconds nor an ISO 8601 date and time.");
            return new InteractionRecord(string.Concat(source, line.ToString(CultureInfo.InvariantCulture)), users.Intern(user), itemId, typeName, number, at);
        }

        private DatasetFormatException Error(int column, string message) => new(path, line, message, column < 0 ? 0 : columnOf(column));
    }
}
