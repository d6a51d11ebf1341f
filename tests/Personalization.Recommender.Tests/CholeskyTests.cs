namespace Personalization.Recommender.Tests;

public class CholeskyTests
{
    [Fact]
    public void TrySolveInPlace_SolvesAKnownSpdSystem()
    {
        // A = L·Lᵀ with L = [[2,0,0],[1,3,0],[−1,2,4]]; x = [1, −2, 3] gives b = A·x.
        double[] a =
        [
            4, 2, -2,
            2, 10, 5,
            -2, 5, 21,
        ];
        double[] x = [1, -2, 3];
        double[] b = [4 * 1 + 2 * -2 + -2 * 3, 2 * 1 + 10 * -2 + 5 * 3, -2 * 1 + 5 * -2 + 21 * 3];

        Assert.True(Cholesky.TrySolveInPlace(a, 3, b));

        for (int i = 0; i < 3; i++)
            Assert.Equal(x[i], b[i], 12);
        // The upper triangle now holds U = Lᵀ.
        Assert.Equal([2, 1, -1, 3, 2, 4], new[] { a[0], a[1], a[2], a[4], a[5], a[8] }.Select(v => Math.Round(v, 12)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(37)] // ends with a partial panel
    [InlineData(64)]
    public void TrySolveInPlace_MatchesMathNetOnARandomSpdSystem(int n)
    {
        var random = new Random(9 + n);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (_, _) => random.NextDouble() - 0.5);
        var spd = m.TransposeThisAndMultiply(m) + MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(n);
        var rhs = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(n, i => Math.Sin(i));
        double[] a = spd.ToRowMajorArray();
        double[] b = rhs.ToArray();

        Assert.True(Cholesky.TrySolveInPlace(a, n, b));

        double[] expected = spd.Solve(rhs).ToArray();
        for (int i = 0; i < n; i++)
            Assert.Equal(expected[i], b[i], 10);
    }

    [Fact]
    public void TrySolveInPlace_ReadsOnlyTheUpperTriangle()
    {
        double[] a =
        [
            4, 2, -2,
            double.NaN, 10, 5,
            double.NaN, double.NaN, 21,
        ];
        double[] b = [-6, -3, 51];

        Assert.True(Cholesky.TrySolveInPlace(a, 3, b));

        Assert.Equal(new[] { 1.0, -2.0, 3.0 }, b.Select(v => Math.Round(v, 12)));
    }

    [Fact]
    public void TrySolveInPlace_ReturnsFalseForAnIndefiniteMatrix()
    {
        double[] a =
        [
            1, 2,
            2, 1, // eigenvalues 3 and −1
        ];
        double[] b = [1, 1];

        Assert.False(Cholesky.TrySolveInPlace(a, 2, b));
    }

    [Fact]
    public void TrySolveInPlace_ReturnsFalseForASingularMatrix()
    {
        double[] a = [1, 1, 1, 1];
        double[] b = [1, 1];

        Assert.False(Cholesky.TrySolveInPlace(a, 2, b));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(4, 1)]
    [InlineData(37, 5)] // ends with a partial panel
    [InlineData(64, 16)]
    public void TrySolveManyInPlace_MatchesMathNetForEveryColumn(int n, int columns)
    {
        var random = new Random(31 + n);
        var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, n, (_, _) => random.NextDouble() - 0.5);
        var spd = m.TransposeThisAndMultiply(m) + MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseIdentity(n);
        var rhs = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(n, columns, (i, j) => Math.Sin(i + 7 * j));
        double[] a = spd.ToRowMajorArray();
        double[] b = rhs.ToRowMajorArray();

        Assert.True(Cholesky.TrySolveManyInPlace(a, n, b, columns));

        double[] expected = spd.Solve(rhs).ToRowMajorArray();
        for (int i = 0; i < expected.Length; i++)
            Assert.Equal(expected[i], b[i], 10);
    }

    [Fact]
    public void TrySolveManyInPlace_SparseSystemWithZerosInTheFactor()
    {
        // Block diagonal: U keeps exact zeros between the blocks, which the substitutions skip.
        double[] a =
        [
            4, 2, 0, 0,
            2, 10, 0, 0,
            0, 0, 9, 3,
            0, 0, 3, 5,
        ];
        double[] x = [1, -1, 2, 0.5, 3, 1, -2, 4];
        double[] b = new double[8];
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                for (int c = 0; c < 2; c++)
                    b[i * 2 + c] += a[i * 4 + j] * x[j * 2 + c];

        Assert.True(Cholesky.TrySolveManyInPlace(a, 4, b, 2));

        for (int i = 0; i < 8; i++)
            Assert.Equal(x[i], b[i], 12);
    }

    [Fact]
    public void TrySolveManyInPlace_ReturnsFalseForAnIndefiniteMatrix()
    {
        double[] a = [1, 2, 2, 1];
        double[] b = [1, 1, 1, 1];

        Assert.False(Cholesky.TrySolveManyInPlace(a, 2, b, 2));
    }

    [Fact]
    public void TrySolveManyInPlace_RejectsShortRightHandSides()
    {
        double[] a = [4, 0, 0, 4];
        var error = Assert.Throws<ArgumentException>(() => Cholesky.TrySolveManyInPlace(a, 2, new double[3], 2));
        Assert.Equal("b", error.ParamName);
    }
}
