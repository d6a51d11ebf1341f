using System.Globalization;
using System.Text;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// Reads a MovieLens folder in any of its published layouts, chosen from the folder's contents (F. Maxwell Harper and
/// Joseph A. Konstan, 2015, The MovieLens Datasets: History and Context, ACM TiiS 5(4)):
/// <list type="bullet">
/// <item>CSV (20M, 25M, 32M, latest, latest-small): <c>movies.csv</c>, <c>ratings.csv</c>, optional <c>tags.csv</c>;</item>
/// <item><c>::</c>-separated (1M, 10M): <c>movies.dat</c>, <c>ratings.dat</c>, optional <c>tags.dat</c> (10M), Latin-1;</item>
/// <item>100K: <c>u.item</c> (genres as 19 flags named by <c>u.genre</c>), <c>u.data</c> (tab-separated), Latin-1.</item>
/// </list>
/// Ratings become <c>rating</c> events; the distinct tags users gave a movie become its catalog tags. The catalog is
/// read at once; the ratings stream (<see cref="Dataset.Interactions"/>), so memory does not grow with their number.
/// </summary>
public static class MovieLensDataset
{
    /// <summary>The layouts <see cref="Load"/> recognises, by the files that mark them.</summary>
    public enum Layout
    {
        /// <summary>movies.csv + ratings.csv.</summary>
        Csv,

        /// <summary>movies.dat + ratings.dat (ml-1m, ml-10m).</summary>
        Dat,

        /// <summary>u.item + u.data (ml-100k).</summary>
        Hundred,
    }

    /// <summary>The layout of a folder.</summary>
    /// <exception cref="DirectoryNotFoundException">No folder.</exception>
    /// <exception cref="FileNotFoundException">None of the layouts' files: names what was looked for.</exception>
    public static Layout Detect(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"MovieLens folder '{directory}' does not exist.");
        if (File.Exists(Path.Combine(directory, "u.data")) || File.Exists(Path.Combine(directory, "u.item"))) return Layout.Hundred;
        if (File.Exists(Path.Combine(directory, "ratings.dat")) || File.Exists(Path.Combine(directory, "movies.dat"))) return Layout.Dat;
        if (File.Exists(Path.Combine(directory, "ratings.csv")) || File.Exists(Path.Combine(directory, "movies.csv"))) return Layout.Csv;
        throw new FileNotFoundException(
            $"{Path.Combine(directory, "movies.csv")}: file not found (nor movies.dat/ratings.dat of ml-1m and ml-10m, nor u.item/u.data of ml-100k).");
    }

    /// <summary>Loads the folder's catalog and opens its ratings as a stream; bad input throws <see cref="DatasetFormatException"/> naming the file, line and column.</summary>
    public static Dataset Load(string directory, IProgress<string>? progress = null)
    {
        var layout = Detect(directory);
        var name = $"movielens:{Path.GetFileName(Path.GetFullPath(directory).TrimEnd('/'))}";
        return layout switch
        {
            Layout.Csv => LoadCsv(directory, name, progress),
            Layout.Dat => LoadDat(directory, name, progress),
            _ => LoadHundred(directory, name, progress),
        };
    }

    private static readonly Encoding Latin1 = Encoding.Latin1;

    // ---- CSV layout ---------------------------------------------------------------------------------------------

    private static Dataset LoadCsv(string directory, string name, IProgress<string>? progress)
    {
        var moviesPath = Path.Combine(directory, "movies.csv");
        var ratingsPath = Path.Combine(directory, "ratings.csv");
        var tagsPath = Path.Combine(directory, "tags.csv");
        var items = new List<CatalogItem>();
        CsvLine.ReadFile(moviesPath, ["movieId", "title", "genres"], (fields, line) =>
        {
            if (fields[0].Length == 0) throw new DatasetFormatException(moviesPath, line, "movieId is empty.", 1);
            items.Add(new CatalogItem(fields[0], fields[1], Genres(fields[2], '|'), [], DateTimeOffset.UnixEpoch));
        });
        progress?.Report($"movies.csv: {items.Count} items");
        var known = Known(items);
        if (File.Exists(tagsPath))
        {
            var tags = new TagCollector();
            CsvLine.ReadFile(tagsPath, ["userId", "movieId", "tag", "timestamp"], (fields, line) =>
            {
                if (known.Find(fields[1]) is null) throw new DatasetFormatException(tagsPath, line, $"movieId '{fields[1]}' is not in movies.csv.");
                tags.Add(fields[1], fields[2]);
            });
            tags.ApplyTo(items);
            progress?.Report($"tags.csv: tags on {tags.Count} items");
        }
        CheckHeader(ratingsPath, "userId,movieId,rating,timestamp");
        return Open(name, items, ratingsPath, ",", "movies.csv", known, headerLines: 1, Encoding.UTF8, progress);
    }

    private static void CheckHeader(string path, string header)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        using var reader = new StreamReader(path);
        if (reader.ReadLine() != header) throw new DatasetFormatException(path, 1, $"expected the header '{header}'.");
    }

    // ---- :: layout (ml-1m, ml-10m) -------------------------------------------------------------------------------

    private static Dataset LoadDat(string directory, string name, IProgress<string>? progress)
    {
        var moviesPath = Path.Combine(directory, "movies.dat");
        var items = new List<CatalogItem>();
        using (var movies = new DelimitedReader(moviesPath, "::", 3, Latin1))
        {
            while (movies.Read())
            {
                if (movies[0].IsEmpty) throw movies.Error(0, "MovieID is empty.");
                var genres = movies[2];
                items.Add(new CatalogItem(movies[0].ToString(), movies[1].ToString(),
                    genres is "(no genres listed)" ? [] : Genres(genres.ToString(), '|'), [], DateTimeOffset.UnixEpoch));
            }
        }
        progress?.Report($"movies.dat: {items.Count} items");
        var known = Known(items);
        var tagsPath = Path.Combine(directory, "tags.dat");
        if (File.Exists(tagsPath))
        {
            var tags = new TagCollector();
            using var reader = new DelimitedReader(tagsPath, "::", 4, Latin1);
            while (reader.Read())
            {
                if (known.Find(reader[1]) is not { } movie) throw reader.Error(1, $"MovieID '{reader[1]}' is not in movies.dat.");
                tags.Add(movie, reader[2].ToString());
            }
            tags.ApplyTo(items);
            progress?.Report($"tags.dat: tags on {tags.Count} items");
        }
        var ratingsPath = Path.Combine(directory, "ratings.dat");
        if (!File.Exists(ratingsPath)) throw new FileNotFoundException($"{ratingsPath}: file not found.", ratingsPath);
        return Open(name, items, ratingsPath, "::", "movies.dat", known, headerLines: 0, Latin1, progress);
    }

    // ---- ml-100k ----------------------------------------------------------------------------------------------------

    private static Dataset LoadHundred(string directory, string name, IProgress<string>? progress)
    {
        // u.genre: "name|index", one per line; u.item: id|title|release date|video release date|IMDb URL|19 flags.
        var genreNames = new Dictionary<int, string>();
        var genrePath = Path.Combine(directory, "u.genre");
        if (File.Exists(genrePath))
        {
            using var genres = new DelimitedReader(genrePath, "|", 2, Latin1);
            while (genres.Read())
            {
                if (!int.TryParse(genres[1], NumberStyles.None, CultureInfo.InvariantCulture, out var index)) throw genres.Error(1, $"genre index '{genres[1]}' is not a number.");
                genreNames[index] = genres[0].ToString();
            }
        }
        const int flags = 19;
        var items = new List<CatalogItem>();
        using (var movies = new DelimitedReader(Path.Combine(directory, "u.item"), "|", 5 + flags, Latin1))
        {
            while (movies.Read())
            {
                if (movies[0].IsEmpty) throw movies.Error(0, "movie id is empty.");
                var genres = new List<string>();
                for (var g = 0; g < flags; g++)
                {
                    var flag = movies[5 + g];
                    if (flag is "1") genres.Add(genreNames.GetValueOrDefault(g, $"genre{g}"));
                    else if (flag is not "0") throw movies.Error(5 + g, $"genre flag '{flag}' is not 0 or 1.");
                }
                genres.Remove("unknown");
                items.Add(new CatalogItem(movies[0].ToString(), movies[1].ToString(), genres, [], DateTimeOffset.UnixEpoch));
            }
        }
        progress?.Report($"u.item: {items.Count} items");
        var ratingsPath = Path.Combine(directory, "u.data");
        if (!File.Exists(ratingsPath)) throw new FileNotFoundException($"{ratingsPath}: file not found.", ratingsPath);
        return Open(name, items, ratingsPath, "\t", "u.item", Known(items), headerLines: 0, Latin1, progress);
    }

    // ---- shared -----------------------------------------------------------------------------------------------------

    private static IdPool Known(List<CatalogItem> items)
    {
        var known = new IdPool();
        foreach (var item in items) known.Intern(item.ItemId);
        return known;
    }

    private static Dataset Open(string name, List<CatalogItem> items, string ratingsPath, string separator, string catalogFile, IdPool known,
        int headerLines, Encoding encoding, IProgress<string>? progress)
    {
        var ratings = new MovieLensRatings(ratingsPath, separator, catalogFile, known, headerLines, encoding, progress);
        return new Dataset(name, items, ratings.Records()) { Resolved = ratings };
    }

    private static List<string> Genres(string field, char separator) =>
        field == "(no genres listed)" ? [] : [.. field.Split(separator, StringSplitOptions.RemoveEmptyEntries)];

    // Distinct tags per movie in first-use order; case differences are the same tag (the first spelling is kept).
    private sealed class TagCollector
    {
        private readonly Dictionary<string, List<string>> _tags = new(StringComparer.Ordinal);
        private readonly HashSet<(string, string)> _seen = [];

        public int Count => _tags.Count;

        public void Add(string movie, string raw)
        {
            // The stores keep an item's tags '|'-separated, so a '|' inside a tag would split it on the way back.
            var tag = raw.Trim().Replace('|', '/');
            if (tag.Length == 0 || !_seen.Add((movie, tag.ToLowerInvariant()))) return;
            if (!_tags.TryGetValue(movie, out var list)) _tags[movie] = list = [];
            list.Add(tag);
        }

        public void ApplyTo(List<CatalogItem> items)
        {
            for (var i = 0; i < items.Count; i++)
                if (_tags.TryGetValue(items[i].ItemId, out var itemTags)) items[i] = items[i] with { Tags = itemTags };
        }
    }
}
