namespace Personalization.Trainer.Datasets;

/// <summary>
/// One string per distinct id, looked up from a span of the line being parsed: a data set of millions of rows over
/// thousands of users and items allocates each id once instead of once per row.
/// </summary>
internal sealed class IdPool
{
    private readonly HashSet<string> _ids = new(StringComparer.Ordinal);
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> _lookup;

    public IdPool() => _lookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Distinct ids seen.</summary>
    public int Count => _ids.Count;

    /// <summary>The pooled string equal to <paramref name="id"/>, added if new.</summary>
    public string Intern(ReadOnlySpan<char> id)
    {
        if (_lookup.TryGetValue(id, out var existing)) return existing;
        var added = id.ToString();
        _ids.Add(added);
        return added;
    }

    /// <summary>The pooled string equal to <paramref name="id"/>, or null when it was never added.</summary>
    public string? Find(ReadOnlySpan<char> id) => _lookup.TryGetValue(id, out var existing) ? existing : null;
}
