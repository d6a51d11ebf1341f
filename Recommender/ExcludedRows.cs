namespace Personalization.Recommender;

/// <summary>
/// Rows a scan must skip, ascending (duplicates allowed), walked with one forward cursor: the scan meets rows in
/// ascending order, so the whole walk is O(m) over a scan.
/// </summary>
internal ref struct ExcludedRows(ReadOnlySpan<int> rows)
{
    private readonly ReadOnlySpan<int> _rows = rows;
    private int _next;

    /// <summary>Whether <paramref name="row"/> is excluded; rows must be asked in ascending order.</summary>
    public bool Contains(int row)
    {
        var rows = _rows;
        int next = _next;
        while (next < rows.Length && rows[next] < row)
            next++;
        _next = next;
        return next < rows.Length && rows[next] == row;
    }
}
