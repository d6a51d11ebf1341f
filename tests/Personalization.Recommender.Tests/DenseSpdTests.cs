namespace Personalization.Recommender.Tests;

public class DenseSpdTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    [InlineData(127)]
    [InlineData(128)] // exactly one pivot block
    [InlineData(129)] // a one-pivot last block
    [InlineData(300)] // three blocks, and neither 8 nor 16 divides it: edge tiles on both sides
    public void TryInvertInPlace_MatchesANaiveInverse(int n)
    {
        double[] spd = RandomSpd(n, seed: n);
        double[] inverse = (double[])spd.Clone();

        Assert.True(DenseSpd.TryInvertInPlace(inverse, n, threads: 2));

        double[] expected = NaiveInverse(spd, n);
        for (int i = 0; i < n * n; i++)
            Assert.Equal(expected[i], inverse[i], 1e-10);
    }

    [Theory]
    [InlineData(37)]
    [InlineData(257)]
    public void TryInvertInPlace_TimesTheMatrixIsTheIdentity(int n)
    {
        double[] spd = RandomSpd(n, seed: 100 + n);
        double[] inverse = (double[])spd.Clone();

        Assert.True(DenseSpd.TryInvertInPlace(inverse, n, threads: 3));

        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++)
                    sum += spd[i * n + k] * inverse[k * n + j];
                Assert.Equal(i == j ? 1.0 : 0.0, sum, 1e-11);
            }
        }
    }

    [Fact]
    public void TryInvertInPlace_FillsBothTrianglesSymmetrically()
    {
        const int n = 150;
        double[] inverse = RandomSpd(n, seed: 3);

        Assert.True(DenseSpd.TryInvertInPlace(inverse, n));

        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
                Assert.Equal(inverse[j * n + i], inverse[i * n + j]);
    }

    [Fact]
    public void TryInvertInPlace_ReadsOnlyTheUpperTriangle()
    {
        const int n = 140;
        double[] spd = RandomSpd(n, seed: 4);
        double[] poisoned = (double[])spd.Clone();
        for (int i = 0; i < n; i++)
            for (int j = 0; j < i; j++)
                poisoned[i * n + j] = double.NaN;

        Assert.True(DenseSpd.TryInvertInPlace(spd, n));
        Assert.True(DenseSpd.TryInvertInPlace(poisoned, n));

        Assert.Equal(spd, poisoned);
    }

    [Fact]
    public void TryInvertInPlace_DoesNotDependOnTheThreadCount()
    {
        const int n = 333;
        double[] spd = RandomSpd(n, seed: 5);
        double[] one = (double[])spd.Clone();
        double[] two = (double[])spd.Clone();
        double[] four = (double[])spd.Clone();

        Assert.True(DenseSpd.TryInvertInPlace(one, n, threads: 1));
        Assert.True(DenseSpd.TryInvertInPlace(two, n, threads: 2));
        Assert.True(DenseSpd.TryInvertInPlace(four, n, threads: 4));

        Assert.Equal(one, two); // bit for bit
        Assert.Equal(one, four);
    }

    [Fact]
    public void TryInvertInPlace_RejectsAnIndefiniteMatrix()
    {
        double[] indefinite = [1, 2, 2, 1]; // eigenvalues 3 and −1
        Assert.False(DenseSpd.TryInvertInPlace(indefinite, 2));
    }

    [Fact]
    public void TryInvertInPlace_RejectsAMatrixThatTurnsIndefiniteInALaterBlock()
    {
        const int n = 200;
        double[] spd = RandomSpd(n, seed: 6);
        spd[190 * n + 190] = -1; // the pivot block starting at 128 meets it
        Assert.False(DenseSpd.TryInvertInPlace(spd, n, threads: 2));
    }

    [Fact]
    public void TryInvertInPlace_AcceptsTheEmptyMatrix()
    {
        Assert.True(DenseSpd.TryInvertInPlace([], 0));
    }

    [Fact]
    public void TryInvertInPlace_ValidatesArguments()
    {
        Assert.Throws<ArgumentException>("matrix", () => DenseSpd.TryInvertInPlace(new double[3], 2));
        Assert.Throws<ArgumentOutOfRangeException>("threads", () => DenseSpd.TryInvertInPlace(new double[4], 2, threads: 0));
        Assert.Throws<ArgumentOutOfRangeException>("n", () => DenseSpd.TryInvertInPlace(new double[4], -1));
    }

    [Fact]
    public void TryInvertInPlace_StopsWhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();
        Assert.Throws<OperationCanceledException>(() => DenseSpd.TryInvertInPlace(RandomSpd(10, 1), 10, 1, cancellation.Token));
    }

    /// <summary>MᵀM/m + I/2 for a random m×n M: well conditioned, with off-diagonal entries of both signs.</summary>
    internal static double[] RandomSpd(int n, int seed)
    {
        var random = new Random(seed);
        int m = n + 5;
        var factor = new double[m * n];
        for (int i = 0; i < factor.Length; i++)
            factor[i] = random.NextDouble() - 0.3;
        var spd = new double[n * n];
        for (int r = 0; r < m; r++)
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    spd[i * n + j] += factor[r * n + i] * factor[r * n + j] / m;
        for (int i = 0; i < n; i++)
            spd[i * n + i] += 0.5;
        return spd;
    }

    /// <summary>Textbook Gauss–Jordan with partial pivoting on [A | I].</summary>
    internal static double[] NaiveInverse(double[] a, int n)
    {
        var work = (double[])a.Clone();
        var inverse = new double[n * n];
        for (int i = 0; i < n; i++)
            inverse[i * n + i] = 1;
        for (int column = 0; column < n; column++)
        {
            int pivot = column;
            for (int r = column + 1; r < n; r++)
            {
                if (Math.Abs(work[r * n + column]) > Math.Abs(work[pivot * n + column]))
                    pivot = r;
            }
            for (int c = 0; c < n; c++)
            {
                (work[column * n + c], work[pivot * n + c]) = (work[pivot * n + c], work[column * n + c]);
                (inverse[column * n + c], inverse[pivot * n + c]) = (inverse[pivot * n + c], inverse[column * n + c]);
            }
            double scale = 1 / work[column * n + column];
            for (int c = 0; c < n; c++)
            {
                work[column * n + c] *= scale;
                inverse[column * n + c] *= scale;
            }
            for (int r = 0; r < n; r++)
            {
                double factor = work[r * n + column];
                if (r == column || factor == 0)
                    continue;
                for (int c = 0; c < n; c++)
                {
                    work[r * n + c] -= factor * work[column * n + c];
                    inverse[r * n + c] -= factor * inverse[column * n + c];
                }
            }
        }
        return inverse;
    }
}
