using MathNet.Numerics.LinearAlgebra;

namespace Personalization.Recommender.Tests;

public class FoldInTests
{
    private const float Alpha = 20f;
    private const float Lambda = 0.1f;

    [Theory]
    [InlineData(16)]
    [InlineData(64)]
    [InlineData(130)] // above the stackalloc limit: pooled scratch
    public void Solve_MatchesDenseMathNetSolveOfTheNormalEquations(int k)
    {
        const int itemCount = 400;
        float[] y = TestData.GaussianFactors(itemCount, k, seed: 7, scale: 0.3);
        double[] gram = TestData.NaiveGram(y, itemCount, k);
        var (items, weights) = MixedInteractions(itemCount, count: 30, seed: 11);

        var result = new float[k];
        FoldIn.Solve(y, k, gram, items, weights, Alpha, Lambda, result);

        double[] expected = ReferenceSolve(y, k, items, weights);
        for (int d = 0; d < k; d++)
            Assert.True(Math.Abs(result[d] - expected[d]) <= 1e-4, $"component {d}: {result[d]} vs {expected[d]}");
        Assert.Contains(expected, v => Math.Abs(v) > 1e-2); // the comparison is not between near-zero vectors
    }

    [Fact]
    public void Solve_WithCallerScratch_EqualsStackScratchResult()
    {
        const int k = 32, itemCount = 100;
        float[] y = TestData.GaussianFactors(itemCount, k, seed: 3, scale: 0.5);
        double[] gram = TestData.NaiveGram(y, itemCount, k);
        var (items, weights) = MixedInteractions(itemCount, count: 13, seed: 5); // not a multiple of the 4-item batch

        var viaStack = new float[k];
        var viaScratch = new float[k];
        var scratch = new double[FoldIn.ScratchLength(k)];
        Array.Fill(scratch, double.NaN); // stale contents must not leak into the result
        FoldIn.Solve(y, k, gram, items, weights, Alpha, Lambda, viaStack);
        FoldIn.Solve(y, k, gram, items, weights, Alpha, Lambda, viaScratch, scratch);

        Assert.Equal(viaStack, viaScratch);
    }

    [Fact]
    public void Solve_WithNoItems_WritesZeros()
    {
        const int k = 8;
        float[] y = TestData.GaussianFactors(10, k, seed: 1);
        var result = Enumerable.Repeat(5f, k).ToArray();

        FoldIn.Solve(y, k, TestData.NaiveGram(y, 10, k), [], [], Alpha, Lambda, result);

        Assert.All(result, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Solve_ZeroWeightEntry_IsTheSameAsNoEntry()
    {
        const int k = 8, itemCount = 20;
        float[] y = TestData.GaussianFactors(itemCount, k, seed: 2);
        double[] gram = TestData.NaiveGram(y, itemCount, k);
        var with = new float[k];
        var without = new float[k];

        FoldIn.Solve(y, k, gram, [1, 4, 9], [2f, 0f, 1f], Alpha, Lambda, with);
        FoldIn.Solve(y, k, gram, [1, 9], [2f, 1f], Alpha, Lambda, without);

        Assert.Equal(without, with);
    }

    [Fact]
    public void Solve_NegativeWeight_PushesTheItemScoreDown()
    {
        const int k = 8, itemCount = 50;
        float[] y = TestData.GaussianFactors(itemCount, k, seed: 4, scale: 0.5);
        double[] gram = TestData.NaiveGram(y, itemCount, k);
        int[] liked = [0, 1, 2, 3, 4];
        var neutral = new float[k];
        var disliked = new float[k];

        FoldIn.Solve(y, k, gram, liked, [1f, 1f, 1f, 1f, 1f], Alpha, Lambda, neutral);
        FoldIn.Solve(y, k, gram, [.. liked, 7], [1f, 1f, 1f, 1f, 1f, -3f], Alpha, Lambda, disliked);

        float before = Dot(neutral, y.AsSpan(7 * k, k));
        float after = Dot(disliked, y.AsSpan(7 * k, k));
        Assert.True(Math.Abs(after) < Math.Abs(before), $"|{after}| should be below |{before}|");
    }

    [Fact]
    public void Solve_ItemOutOfRange_Throws()
    {
        const int k = 4;
        float[] y = TestData.GaussianFactors(3, k, seed: 1);
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            FoldIn.Solve(y, k, TestData.NaiveGram(y, 3, k), [3], [1f], Alpha, Lambda, new float[k]));
    }

    // x = (YᵀY + Σ (c−1) y yᵀ + λI)⁻¹ Σ c p y, built densely in double and solved by MathNet.
    private static double[] ReferenceSolve(float[] y, int k, int[] items, float[] weights)
    {
        int itemCount = y.Length / k;
        var yMatrix = Matrix<double>.Build.Dense(itemCount, k, (r, c) => y[r * k + c]);
        var a = yMatrix.TransposeThisAndMultiply(yMatrix) + Lambda * Matrix<double>.Build.DenseIdentity(k);
        var b = Vector<double>.Build.Dense(k);
        for (int i = 0; i < items.Length; i++)
        {
            var row = yMatrix.Row(items[i]);
            double c = 1.0 + Alpha * Math.Abs(weights[i]);
            double p = weights[i] > 0 ? 1.0 : 0.0;
            a += (c - 1.0) * row.OuterProduct(row);
            b += c * p * row;
        }
        return a.Solve(b).ToArray();
    }

    private static (int[] Items, float[] Weights) MixedInteractions(int itemCount, int count, int seed)
    {
        var random = new Random(seed);
        int[] items = Enumerable.Range(0, itemCount).OrderBy(_ => random.Next()).Take(count).ToArray();
        float[] weights = items.Select((_, i) => i % 3 == 2 ? -(float)(1 + random.NextDouble()) : (float)(0.5 + 3 * random.NextDouble())).ToArray();
        return (items, weights);
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i] * b[i];
        return sum;
    }
}
