using System.Text;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// Reads a delimited text file line by line and splits each line into field ranges without allocating per field:
/// the loaders' hot loop. A line holds at most <c>fields</c> fields; quoted fields are not unescaped here (MovieLens
/// and interaction logs keep ids and numbers unquoted; catalogs with quoted titles go through <see cref="CsvLine"/>).
/// </summary>
internal sealed class DelimitedReader : IDisposable
{
    private readonly StreamReader _reader;
    private readonly string _separator;
    private readonly Range[] _ranges;

    // A line longer than this is an error, not a reason to hold the whole file in memory.
    private const int MaxLineLength = 1 << 24;
    private char[] _buffer = new char[1 << 16];
    private int _filled;     // chars in _buffer
    private int _next;       // where the next line starts
    private int _lineStart;
    private int _lineLength;
    private bool _ended;

    /// <param name="path">The file.</param>
    /// <param name="separator">Between fields: ",", "::", "\t" or "|".</param>
    /// <param name="fields">Fields per line expected.</param>
    /// <param name="encoding">The file's encoding (UTF-8 unless the format says otherwise, e.g. Latin-1 for MovieLens .dat).</param>
    public DelimitedReader(string path, string separator, int fields, Encoding? encoding = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found.", path);
        Path = path;
        // A large buffer: the loaders read hundreds of megabytes sequentially.
        _reader = new StreamReader(path, encoding ?? new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true,
            new FileStreamOptions { BufferSize = 1 << 16, Options = FileOptions.SequentialScan });
        _separator = separator;
        _ranges = new Range[fields + 1];
        Fields = fields;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Fields per line.</summary>
    public int Fields { get; }

    /// <summary>1-based number of the line last read.</summary>
    public long Line { get; private set; }

    /// <summary>Bytes read so far (for progress).</summary>
    public long Position => _reader.BaseStream.Position;

    /// <summary>Bytes in the file.</summary>
    public long Length => _reader.BaseStream.Length;

    /// <summary>Reads the next non-empty line; false at the end. Throws naming file, line and column when it has the wrong number of fields.</summary>
    /// <remarks>Lines end at '\n', with an optional '\r' before it.</remarks>
    public bool Read()
    {
        while (true)
        {
            if (!NextLine()) return false;
            Line++;
            var text = Text;
            if (text.Length > 0 && text[^1] == '\r') text = text[..^1];
            _lineLength = text.Length;
            if (text.Length == 0) continue;
            int found = text.Split(_ranges, _separator);
            if (found != Fields)
                throw new DatasetFormatException(Path, Line,
                    $"expected {Fields} fields, found {(found > Fields ? "more" : found.ToString(System.Globalization.CultureInfo.InvariantCulture))} (separated by '{Escape(_separator)}').");
            return true;
        }
    }

    /// <summary>The line last read, without its line break.</summary>
    public ReadOnlySpan<char> Text => _buffer.AsSpan(_lineStart, _lineLength);

    // Finds the next '\n' in the buffer, refilling it (and growing it for a long line) as needed; the line is then
    // [_lineStart, _lineStart + _lineLength). Lines are not copied into strings: this is the loaders' hot loop.
    private bool NextLine()
    {
        while (true)
        {
            var pending = _buffer.AsSpan(_next, _filled - _next);
            var newline = pending.IndexOf('\n');
            if (newline >= 0)
            {
                _lineStart = _next;
                _lineLength = newline;
                _next += newline + 1;
                return true;
            }
            if (_ended)
            {
                if (pending.IsEmpty) return false;
                _lineStart = _next;
                _lineLength = pending.Length;
                _next = _filled;
                return true;
            }
            // Keep the unfinished line, then read more after it.
            if (_next > 0)
            {
                pending.CopyTo(_buffer);
                _filled = pending.Length;
                _next = _lineStart = 0;
            }
            if (_filled == _buffer.Length)
            {
                if (_buffer.Length >= MaxLineLength)
                    throw new DatasetFormatException(Path, Line + 1, $"the line is longer than {MaxLineLength:N0} characters.");
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            int read;
            try
            {
                read = _reader.Read(_buffer, _filled, _buffer.Length - _filled);
            }
            catch (DecoderFallbackException)
            {
                throw new DatasetFormatException(Path, Line + 1, "the line is not valid UTF-8.");
            }
            if (read == 0) _ended = true;
            _filled += read;
        }
    }

    /// <summary>Field <paramref name="index"/> of the line last read.</summary>
    public ReadOnlySpan<char> this[int index] => Text[_ranges[index]];

    /// <summary>The 1-based column (character position) where field <paramref name="index"/> starts, for error messages.</summary>
    public int ColumnOf(int index) => _ranges[index].Start.GetOffset(Text.Length) + 1;

    /// <summary>An error at field <paramref name="index"/> of the line last read.</summary>
    public DatasetFormatException Error(int index, string message) => new(Path, Line, message, ColumnOf(index));

    private static string Escape(string separator) => separator == "\t" ? "\\t" : separator;

    /// <inheritdoc />
    public void Dispose() => _reader.Dispose();
}
