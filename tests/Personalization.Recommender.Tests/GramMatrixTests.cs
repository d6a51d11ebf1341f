namespace Personalization.Recommender.Tests;

public class GramMatrixTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(3000, 16)] // several chunks
    [InlineData(1500, 33)]
    public void Compute_MatchesNaive(int rows, int k)
    {
        float[] factors = TestData.GaussianFactors(rows, k, seed: rows + k);
        double[] expected = TestData.NaiveGram(factors, rows, k);

        double[] single = GramMatrix.Compute(factors, rows, k);
        double[] parallel = GramMatrix.Compute(factors, rows, k, threads: 2);

        for (int i = 0; i < k * k; i++)
            Assert.True(Math.Abs(single[i] - expected[i]) <= 1e-9 * (1 + Math.Abs(expected[i])), $"element {i}: {single[i]} vs {expected[i]}");
        Assert.Equal(single, parallel); // thread count does not change the rounding
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++)
                Assert.Equal(single[a * k + b], single[b * k + a]);
    }

    [Fact]
    public void Compute_OfNoRows_IsZero()
    {
        Assert.All(GramMatrix.Compute(ReadOnlySpan<float>.Empty, 0, 4), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Compute_RejectsWrongLength()
    {
        Assert.Throws<ArgumentException>(() => GramMatrix.Compute(new float[10], 3, 3));
    }
}
