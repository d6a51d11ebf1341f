using System.Globalization;
using System.Text;
using Personalization.Contracts;
using Personalization.Storage;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// A MovieLens ratings file (user, movie, rating, timestamp per line, in any of the published layouts), read as
/// records (<see cref="Records"/>, for import) or into a sink with the ids numbered (<see cref="ReadInto"/>, for
/// training). Both read through one parser, so they accept and reject the same lines.
/// </summary>
/// <param name="path">The ratings file.</param>
/// <param name="separator">Between fields.</param>
/// <param name="catalogFile">The catalog's file name, for errors.</param>
/// <param name="movies">The catalog's ids: a rating of any other movie is an error.</param>
/// <param name="headerLines">Lines to skip first.</param>
/// <param name="encoding">The file's encoding.</param>
/// <param name="progress">A line every 5 million ratings.</param>
internal sealed class MovieLensRatings(string path, string separator, string catalogFile, IdPool movies, int headerLines, Encoding encoding,
    IProgress<string>? progress) : IResolvedHistory
{
    private readonly string _path = path;
    private readonly string _separator = separator;
    private readonly string _catalogFile = catalogFile;
    private readonly IdPool _movies = movies;
    private readonly int _headerLines = headerLines;
    private readonly Encoding _encoding = encoding;
    private readonly IProgress<string>? _progress = progress;

    /// <summary>Every rating as a <c>rating</c> event, with a source key per line (<c>import:movielens:LINE</c>).</summary>
    public IEnumerable<InteractionRecord> Records()
    {
        using var cursor = new Cursor(this);
        while (cursor.Next())
            yield return new InteractionRecord(string.Concat(InteractionRecord.ImportPrefix, "movielens:", cursor.Line.ToString(CultureInfo.InvariantCulture)),
                cursor.Users[cursor.User], _movies[cursor.Movie], "rating", cursor.Rating, DateTimeOffset.FromUnixTimeSeconds(cursor.Seconds));
    }

    /// <inheritdoc />
    public void ReadInto(IInteractionSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sink);
        using var cursor = new Cursor(this);
        // The first line's length sizes the sink's buffers: ratings lines are all about as long.
        var more = cursor.Next();
        sink.Begin(cursor.Users, _movies, more ? cursor.EstimatedRows : 0);
        for (; more; more = cursor.Next())
        {
            sink.Add(cursor.User, cursor.Movie, InteractionType.Rating, cursor.Rating, cursor.Seconds);
            if ((cursor.Rows & 0xF_FFFF) == 0) cancellationToken.ThrowIfCancellationRequested();
        }
    }

    // One pass over the file: the fields of the current line, checked, with the user and movie numbered.
    private sealed class Cursor : IDisposable
    {
        private readonly MovieLensRatings _file;
        private readonly DelimitedReader _reader;
        private readonly string _name;

        public Cursor(MovieLensRatings file)
        {
            _file = file;
            _name = Path.GetFileName(file._path);
            _reader = new DelimitedReader(file._path, file._separator, 4, file._encoding);
            for (var h = 0; h < file._headerLines; h++) _reader.Read();
        }

        public IdPool Users { get; } = new();

        public int User { get; private set; }

        public int Movie { get; private set; }

        public float Rating { get; private set; }

        public long Seconds { get; private set; }

        public long Line => _reader.Line;

        public long Rows { get; private set; }

        // The file's length over the current line's, with its line break.
        public long EstimatedRows => _reader.Length / (_reader.Text.Length + 1);

        public bool Next()
        {
            var reader = _reader;
            if (!reader.Read())
            {
                _file._progress?.Report($"{_name}: {Rows:N0} ratings");
                return false;
            }
            var user = reader[0];
            if (user.IsEmpty) throw reader.Error(0, "the user id is empty.");
            User = Users.Add(user);
            Movie = _file._movies.IndexOf(reader[1]);
            if (Movie < 0) throw reader.Error(1, $"movie id '{reader[1]}' is not in {_file._catalogFile}.");
            if (!TryParseRating(reader[2], out var rating) || rating is < 0.5f or > 5f)
                throw reader.Error(2, $"rating '{reader[2]}' is not a number from 0.5 to 5.");
            if (!long.TryParse(reader[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds) || seconds is < -62_135_596_800 or > 253_402_300_799)
                throw reader.Error(3, $"timestamp '{reader[3]}' is not a Unix time in seconds.");
            Rating = rating;
            Seconds = seconds;
            if (++Rows % 5_000_000 == 0) _file._progress?.Report($"{_name}: {Rows:N0} ratings ({100.0 * reader.Position / Math.Max(1, reader.Length):F0}%)");
            return true;
        }

        public void Dispose() => _reader.Dispose();

        // Ratings are written "4" or "3.5": those parse here, exactly as float.Parse would (n / 10 is correctly
        // rounded, as the parse is); any other spelling goes through float.TryParse.
        private static bool TryParseRating(ReadOnlySpan<char> text, out float rating)
        {
            uint whole = (uint)((text.Length > 0 ? text[0] : 0) - '0');
            if (text.Length == 1 && whole <= 9)
            {
                rating = whole;
                return true;
            }
            uint tenth = (uint)((text.Length == 3 ? text[2] : 0) - '0');
            if (text.Length == 3 && whole <= 9 && text[1] == '.' && tenth <= 9)
            {
                rating = (whole * 10 + tenth) / 10f;
                return true;
            }
            return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out rating);
        }
    }
}
