namespace Personalization.Trainer.Datasets;

/// <summary>
/// Which column (CSV header name, JSON property, Parquet field) of a user's own interaction log holds each part of an
/// event. Parsed from <c>user=COL,item=COL[,type=COL][,value=COL][,time=COL]</c>; the defaults are the names this
/// system's own events use.
/// </summary>
/// <param name="User">The user id column.</param>
/// <param name="Item">The item id column.</param>
/// <param name="Type">The event type column (play, rating, skip, ...), or null: every row is then a <c>rating</c> when a value column is mapped, else a <c>play</c>.</param>
/// <param name="Value">The value column (a rating, watch seconds, progress), or null.</param>
/// <param name="Time">The time column: Unix seconds, or an ISO 8601 date and time.</param>
public sealed record ColumnMapping(string User = "userId", string Item = "itemId", string? Type = "type", string? Value = "value", string Time = "timestamp")
{
    /// <summary>Parses the <c>--columns</c> text; an empty text gives the defaults.</summary>
    /// <exception cref="ArgumentException">An unknown part or a malformed pair, named.</exception>
    public static ColumnMapping Parse(string? text)
    {
        var mapping = new ColumnMapping();
        if (string.IsNullOrWhiteSpace(text)) return mapping;
        foreach (var pair in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var at = pair.IndexOf('=');
            if (at <= 0 || at == pair.Length - 1) throw new ArgumentException($"--columns: '{pair}' is not PART=COLUMN.");
            var column = pair[(at + 1)..];
            mapping = pair[..at] switch
            {
                "user" => mapping with { User = column },
                "item" => mapping with { Item = column },
                "type" => mapping with { Type = column == "-" ? null : column },
                "value" => mapping with { Value = column == "-" ? null : column },
                "time" => mapping with { Time = column },
                var part => throw new ArgumentException($"--columns: unknown part '{part}' (use user, item, type, value, time)."),
            };
        }
        return mapping;
    }
}
