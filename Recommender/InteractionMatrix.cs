namespace Personalization.Recommender;

/// <summary>
/// A sparse matrix of signed signal weights in compressed sparse row (CSR) form: rows are users, columns are items
/// (or the reverse after <see cref="Transpose"/>). Within each row the column indices are strictly ascending.
/// </summary>
/// <remarks>The arrays are exposed for zero-copy hot loops; treat them as read-only.</remarks>
public sealed class InteractionMatrix
{
    /// <summary>Creates a matrix from CSR arrays after checking that they describe a well-formed matrix.</summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="rowPointers">Length <paramref name="rows"/> + 1; row r occupies [rowPointers[r], rowPointers[r+1]).</param>
    /// <param name="columnIndices">Column of each stored entry, strictly ascending within a row.</param>
    /// <param name="weights">Weight of each stored entry; finite.</param>
    /// <exception cref="ArgumentException">The arrays are inconsistent.</exception>
    public InteractionMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] weights)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        ArgumentNullException.ThrowIfNull(rowPointers);
        ArgumentNullException.ThrowIfNull(columnIndices);
        ArgumentNullException.ThrowIfNull(weights);
        if (rowPointers.Length != rows + 1)
            throw new ArgumentException($"Expected {rows + 1} row pointers, got {rowPointers.Length}.", nameof(rowPointers));
        if (rowPointers[0] != 0)
            throw new ArgumentException("The first row pointer must be 0.", nameof(rowPointers));
        int nonZeros = rowPointers[rows];
        if (nonZeros < 0 || nonZeros > columnIndices.Length || nonZeros > weights.Length)
            throw new ArgumentException(
                $"The last row pointer ({nonZeros}) must not exceed the entry arrays ({columnIndices.Length} columns, {weights.Length} weights).",
                nameof(rowPointers));
        for (int r = 0; r < rows; r++)
        {
            int start = rowPointers[r], end = rowPointers[r + 1];
            if (end < start)
                throw new ArgumentException($"Row pointers decrease at row {r}.", nameof(rowPointers));
            int previous = -1;
            for (int p = start; p < end; p++)
            {
                int c = columnIndices[p];
                if ((uint)c >= (uint)columns)
                    throw new ArgumentException($"Entry {p} (row {r}) has column {c} outside [0, {columns}).", nameof(columnIndices));
                if (c <= previous)
                    throw new ArgumentException($"Columns of row {r} are not strictly ascending at entry {p}.", nameof(columnIndices));
                if (!float.IsFinite(weights[p]))
                    throw new ArgumentException($"Entry {p} (row {r}, column {c}) has a non-finite weight.", nameof(weights));
                previous = c;
            }
        }

        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Weights = weights;
    }

    // Trusted path for the factory methods, whose output is well-formed by construction.
    private InteractionMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] weights, bool trusted)
    {
        _ = trusted;
        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Weights = weights;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Row r's entries are at [RowPointers[r], RowPointers[r+1]); length <see cref="Rows"/> + 1.</summary>
    public int[] RowPointers { get; }

    /// <summary>Column index of each stored entry, ascending within each row.</summary>
    public int[] ColumnIndices { get; }

    /// <summary>Signed weight of each stored entry.</summary>
    public float[] Weights { get; }

    /// <summary>Number of stored entries.</summary>
    public int NonZeros => RowPointers[Rows];

    /// <summary>The column indices of one row, ascending.</summary>
    /// <param name="row">Zero-based row index.</param>
    public ReadOnlySpan<int> RowColumns(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        int start = RowPointers[row];
        return ColumnIndices.AsSpan(start, RowPointers[row + 1] - start);
    }

    /// <summary>The weights of one row, aligned with <see cref="RowColumns"/>.</summary>
    /// <param name="row">Zero-based row index.</param>
    public ReadOnlySpan<float> RowWeights(int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)row, (uint)Rows, nameof(row));
        int start = RowPointers[row];
        return Weights.AsSpan(start, RowPointers[row + 1] - start);
    }

    /// <summary>
    /// Builds a matrix from unordered entries. Entries with the same (row, column) are summed into one
    /// (a sum of zero is kept as an explicit zero); columns end up sorted within each row.
    /// </summary>
    /// <param name="rows">Number of rows.</param>
    /// <param name="columns">Number of columns.</param>
    /// <param name="entries">The entries, in any order.</param>
    /// <returns>The CSR matrix.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An entry lies outside the matrix or has a non-finite weight.</exception>
    public static InteractionMatrix FromEntries(int rows, int columns, ReadOnlySpan<MatrixEntry> entries)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);

        // Counting sort by row: count, prefix-sum, scatter.
        var rowPointers = new int[rows + 1];
        for (int e = 0; e < entries.Length; e++)
        {
            MatrixEntry entry = entries[e];
            if ((uint)entry.Row >= (uint)rows || (uint)entry.Column >= (uint)columns)
                throw new ArgumentOutOfRangeException(nameof(entries),
                    $"Entry {e} {entry} lies outside the {rows}×{columns} matrix.");
            if (!float.IsFinite(entry.Weight))
                throw new ArgumentOutOfRangeException(nameof(entries), $"Entry {e} {entry} has a non-finite weight.");
            rowPointers[entry.Row + 1]++;
        }
        for (int r = 0; r < rows; r++)
            rowPointers[r + 1] += rowPointers[r];

        var columnIndices = new int[entries.Length];
        var weights = new float[entries.Length];
        var cursor = rowPointers.AsSpan(0, rows).ToArray();
        foreach (MatrixEntry entry in entries)
        {
            int p = cursor[entry.Row]++;
            columnIndices[p] = entry.Column;
            weights[p] = entry.Weight;
        }

        // Sort each row by column, then merge duplicates while compacting everything toward the front.
        int write = 0;
        for (int r = 0; r < rows; r++)
        {
            int start = rowPointers[r], end = rowPointers[r + 1];
            rowPointers[r] = write;
            if (end - start > 1)
                columnIndices.AsSpan(start, end - start).Sort(weights.AsSpan(start, end - start));
            for (int p = start; p < end; p++)
            {
                if (write > rowPointers[r] && columnIndices[write - 1] == columnIndices[p])
                {
                    weights[write - 1] += weights[p];
                    continue;
                }
                columnIndices[write] = columnIndices[p];
                weights[write] = weights[p];
                write++;
            }
        }
        rowPointers[rows] = write;

        if (write != entries.Length)
        {
            Array.Resize(ref columnIndices, write);
            Array.Resize(ref weights, write);
        }
        return new InteractionMatrix(rows, columns, rowPointers, columnIndices, weights, trusted: true);
    }

    /// <summary>The transpose (columns become rows), e.g. item × user from user × item.</summary>
    /// <returns>A new matrix; this one is unchanged.</returns>
    public InteractionMatrix Transpose()
    {
        int nonZeros = NonZeros;
        var rowPointers = new int[Columns + 1];
        for (int p = 0; p < nonZeros; p++)
            rowPointers[ColumnIndices[p] + 1]++;
        for (int c = 0; c < Columns; c++)
            rowPointers[c + 1] += rowPointers[c];

        var columnIndices = new int[nonZeros];
        var weights = new float[nonZeros];
        var cursor = rowPointers.AsSpan(0, Columns).ToArray();
        // Visiting source rows in ascending order leaves each transposed row sorted without a sort.
        for (int r = 0; r < Rows; r++)
        {
            for (int p = RowPointers[r]; p < RowPointers[r + 1]; p++)
            {
                int q = cursor[ColumnIndices[p]]++;
                columnIndices[q] = r;
                weights[q] = Weights[p];
            }
        }
        return new InteractionMatrix(Columns, Rows, rowPointers, columnIndices, weights, trusted: true);
    }
}
