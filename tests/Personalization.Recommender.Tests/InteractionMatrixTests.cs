namespace Personalization.Recommender.Tests;

public class InteractionMatrixTests
{
    [Fact]
    public void FromEntries_SumsDuplicatesAndSortsColumns()
    {
        MatrixEntry[] entries =
        [
            new(1, 3, 1f), new(0, 2, 2f), new(1, 0, -1f), new(1, 3, 2.5f), new(0, 0, 1f), new(1, 3, -0.5f),
        ];

        var matrix = InteractionMatrix.FromEntries(3, 4, entries);

        Assert.Equal(3, matrix.Rows);
        Assert.Equal(4, matrix.Columns);
        Assert.Equal(4, matrix.NonZeros);
        Assert.Equal([0, 2, 4, 4], matrix.RowPointers);
        Assert.Equal([0, 2], matrix.RowColumns(0).ToArray());
        Assert.Equal([1f, 2f], matrix.RowWeights(0).ToArray());
        Assert.Equal([0, 3], matrix.RowColumns(1).ToArray());
        Assert.Equal([-1f, 3f], matrix.RowWeights(1).ToArray());
        Assert.True(matrix.RowColumns(2).IsEmpty);
    }

    [Fact]
    public void FromEntries_OutOfRangeEntry_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            InteractionMatrix.FromEntries(2, 2, [new(0, 0, 1f), new(1, 2, 1f)]));
        Assert.Contains("Entry 1", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => InteractionMatrix.FromEntries(2, 2, [new(-1, 0, 1f)]));
        Assert.Throws<ArgumentOutOfRangeException>(() => InteractionMatrix.FromEntries(2, 2, [new(0, 0, float.NaN)]));
    }

    [Fact]
    public void Transpose_SwapsRowsAndColumnsAndRoundTrips()
    {
        var matrix = InteractionMatrix.FromEntries(50, 30, TestData.RandomEntries(50, 30, 400, seed: 3));

        var transposed = matrix.Transpose();
        var back = transposed.Transpose();

        Assert.Equal(30, transposed.Rows);
        Assert.Equal(50, transposed.Columns);
        Assert.Equal(matrix.NonZeros, transposed.NonZeros);
        for (int r = 0; r < matrix.Rows; r++)
        {
            ReadOnlySpan<int> columns = matrix.RowColumns(r);
            for (int j = 0; j < columns.Length; j++)
            {
                int position = transposed.RowColumns(columns[j]).IndexOf(r);
                Assert.True(position >= 0);
                Assert.Equal(matrix.RowWeights(r)[j], transposed.RowWeights(columns[j])[position]);
            }
        }
        for (int c = 0; c < transposed.Rows; c++)
        {
            int[] rows = transposed.RowColumns(c).ToArray();
            Assert.Equal(rows.Order(), rows); // sorted without an explicit sort
        }
        Assert.Equal(matrix.RowPointers, back.RowPointers);
        Assert.Equal(matrix.ColumnIndices, back.ColumnIndices);
        Assert.Equal(matrix.Weights, back.Weights);
    }

    [Fact]
    public void Constructor_ValidatesCsrArrays()
    {
        var valid = new InteractionMatrix(2, 3, [0, 1, 3], [2, 0, 1], [1f, 1f, 1f]);
        Assert.Equal(3, valid.NonZeros);

        Assert.Throws<ArgumentException>(() => new InteractionMatrix(2, 3, [0, 1], [2], [1f]));
        Assert.Throws<ArgumentException>(() => new InteractionMatrix(2, 3, [0, 2, 2], [1, 1], [1f, 1f]));
        Assert.Throws<ArgumentException>(() => new InteractionMatrix(1, 3, [0, 1], [3], [1f]));
    }
}
