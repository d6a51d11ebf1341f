using System.Globalization;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// Reads a MovieLens CSV folder (movies.csv: movieId,title,genres; ratings.csv: userId,movieId,rating,timestamp;
/// optionally tags.csv: userId,movieId,tag,timestamp), e.g. ml-latest-small (F. Maxwell Harper and Joseph A. Konstan,
/// 2015, The MovieLens Datasets: History and Context, ACM TiiS 5(4)). Ratings become <c>rating</c> events; the distinct
/// tags users gave a movie become its catalog tags.
/// </summary>
public static class MovieLensDataset
{
    /// <summary>Loads the folder; throws <see cref="DatasetFormatException"/> naming the file and line of bad input.</summary>
    public static Dataset Load(string directory, IProgress<string>? progress = null)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"MovieLens folder '{directory}' does not exist.");
        var moviesPath = Path.Combine(directory, "movies.csv");
        var ratingsPath = Path.Combine(directory, "ratings.csv");
        var tagsPath = Path.Combine(directory, "tags.csv");
        var items = new List<CatalogItem>();
        var epoch = DateTimeOffset.UnixEpoch;
        ReadCsv(moviesPath, ["movieId", "title", "genres"], (fields, line) =>
        {
            var genres = fields[2] == "(no genres listed)" ? [] : fields[2].Split('|', StringSplitOptions.RemoveEmptyEntries);
            if (fields[0].Length == 0) throw new DatasetFormatException(moviesPath, line, "movieId is empty.");
            items.Add(new CatalogItem(fields[0], fields[1], genres, [], epoch));
        });
        progress?.Report($"movies.csv: {items.Count} items");
        var known = items.Select(i => i.ItemId).ToHashSet(StringComparer.Ordinal);
        if (File.Exists(tagsPath))
        {
            var tags = ReadTags(tagsPath, known);
            for (var i = 0; i < items.Count; i++)
                if (tags.TryGetValue(items[i].ItemId, out var itemTags)) items[i] = items[i] with { Tags = itemTags };
            progress?.Report($"tags.csv: tags on {tags.Count} items");
        }
        var interactions = new List<InteractionRecord>();
        ReadCsv(ratingsPath, ["userId", "movieId", "rating", "timestamp"], (fields, line) =>
        {
            if (fields[0].Length == 0) throw new DatasetFormatException(ratingsPath, line, "userId is empty.");
            if (!known.Contains(fields[1])) throw new DatasetFormatException(ratingsPath, line, $"movieId '{fields[1]}' is not in movies.csv.");
            if (!float.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var rating) || rating is < 0.5f or > 5f)
                throw new DatasetFormatException(ratingsPath, line, $"rating '{fields[2]}' is not a number from 0.5 to 5.");
            if (!long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
                throw new DatasetFormatException(ratingsPath, line, $"timestamp '{fields[3]}' is not a Unix time in seconds.");
            interactions.Add(new InteractionRecord($"{InteractionRecord.ImportPrefix}movielens:{line}", fields[0], fields[1], "rating", rating,
                DateTimeOffset.FromUnixTimeSeconds(seconds)));
        });
        progress?.Report($"ratings.csv: {interactions.Count} ratings");
        return new Dataset($"movielens:{Path.GetFileName(Path.GetFullPath(directory).TrimEnd('/'))}", items, interactions);
    }

    // Distinct tags per movie in first-use order; case differences are the same tag (the first spelling is kept).
    private static Dictionary<string, List<string>> ReadTags(string path, HashSet<string> known)
    {
        var tags = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var seen = new HashSet<(string, string)>();
        ReadCsv(path, ["userId", "movieId", "tag", "timestamp"], (fields, line) =>
        {
            if (!known.Contains(fields[1])) throw new DatasetFormatException(path, line, $"movieId '{fields[1]}' is not in movies.csv.");
            // The stores keep an item's tags '|'-separated, so a '|' inside a tag would split it on the way back.
            var tag = fields[2].Trim().Replace('|', '/');
            if (tag.Length == 0) return;
            if (!seen.Add((fields[1], tag.ToLowerInvariant()))) return;
            if (!tags.TryGetValue(fields[1], out var list)) tags[fields[1]] = list = [];
            list.Add(tag);
        });
        return tags;
    }

    private static void ReadCsv(string path, string[] header, Action<List<string>, long> row)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        using var reader = new StreamReader(path);
        var fields = new List<string>(header.Length);
        var first = reader.ReadLine();
        if (first is null || !CsvLine.TrySplit(first, fields) || !fields.SequenceEqual(header))
            throw new DatasetFormatException(path, 1, $"expected the header '{string.Join(',', header)}'.");
        long line = 1;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (text.Length == 0) continue;
            if (!CsvLine.TrySplit(text, fields)) throw new DatasetFormatException(path, line, "malformed CSV (unbalanced quotes or stray characters).");
            if (fields.Count != header.Length) throw new DatasetFormatException(path, line, $"expected {header.Length} fields, found {fields.Count}.");
            row(fields, line);
        }
    }
}
