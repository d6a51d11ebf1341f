using System.Collections;

namespace Personalization.Trainer.Datasets;

/// <summary>
/// The distinct ids of a data set, each held once as a string and numbered densely in first-seen order, looked up from
/// a span of the line being parsed: millions of rows over thousands of users and items allocate each id once.
/// </summary>
/// <remarks>
/// Ids that are plain decimal numbers (every MovieLens file, most logs) are found by indexing an array with their
/// value instead of hashing: a hash lookup into tens of thousands of strings misses the cache, and it was half of
/// the loader's time on 25 million rows.
/// </remarks>
internal sealed class IdPool : IReadOnlyList<string>
{
    // Numeric ids beyond this stay in the hash table: the array is 4 bytes per possible value.
    private const int MaxDenseId = 1 << 24;

    private readonly List<string> _ids = [];
    private readonly Dictionary<string, int> _byText = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private int[] _byNumber = []; // index + 1 per numeric id; 0 where none

    public IdPool() => _lookup = _byText.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Distinct ids seen.</summary>
    public int Count => _ids.Count;

    /// <summary>The id numbered <paramref name="index"/>.</summary>
    public string this[int index] => _ids[index];

    /// <summary>The number of <paramref name="id"/>, or -1 when it was never added.</summary>
    public int IndexOf(ReadOnlySpan<char> id)
    {
        if (TryNumber(id, out var number)) return number < _byNumber.Length ? _byNumber[number] - 1 : -1;
        return _lookup.TryGetValue(id, out var index) ? index : -1;
    }

    /// <summary>The number of <paramref name="id"/>, added if new.</summary>
    public int Add(ReadOnlySpan<char> id)
    {
        if (TryNumber(id, out var number))
        {
            if (number < _byNumber.Length && _byNumber[number] != 0) return _byNumber[number] - 1;
            if (number >= _byNumber.Length) Array.Resize(ref _byNumber, (int)Math.Min(MaxDenseId, Math.Max(number + 1L, 2L * _byNumber.Length)));
            _ids.Add(id.ToString());
            return (_byNumber[number] = _ids.Count) - 1;
        }
        if (_lookup.TryGetValue(id, out var index)) return index;
        var text = id.ToString();
        _ids.Add(text);
        _byText.Add(text, _ids.Count - 1);
        return _ids.Count - 1;
    }

    /// <summary>The pooled string equal to <paramref name="id"/>, added if new.</summary>
    public string Intern(ReadOnlySpan<char> id) => _ids[Add(id)];

    /// <summary>The pooled string equal to <paramref name="id"/>, or null when it was never added.</summary>
    public string? Find(ReadOnlySpan<char> id) => IndexOf(id) is var index and >= 0 ? _ids[index] : null;

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => _ids.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // A canonical decimal below MaxDenseId: digits only, no sign, no leading zero (so "07" and "7" stay distinct ids).
    private static bool TryNumber(ReadOnlySpan<char> id, out int number)
    {
        number = 0;
        if (id.IsEmpty || id.Length > 8 || (id[0] == '0' && id.Length > 1)) return false;
        foreach (var c in id)
        {
            var digit = (uint)(c - '0');
            if (digit > 9) return false;
            number = number * 10 + (int)digit;
        }
        return number < MaxDenseId;
    }
}
