namespace Personalization.Recommender.Tests;

public class ScoringTests
{
    [Theory]
    [InlineData(16, 1)]
    [InlineData(64, 500)]
    [InlineData(37, 123)] // not a multiple of any vector width
    public void ScoreAll_MatchesANaiveLoop(int k, int items)
    {
        float[] itemFactors = TestData.GaussianFactors(items, k, seed: k + items);
        float[] user = TestData.GaussianFactors(1, k, seed: 99);
        var scores = new float[items];

        Scoring.ScoreAll(itemFactors, k, user, scores);

        for (int i = 0; i < items; i++)
        {
            double expected = 0;
            for (int d = 0; d < k; d++)
                expected += (double)itemFactors[i * k + d] * user[d];
            Assert.True(Math.Abs(scores[i] - expected) <= 1e-4 * (1 + Math.Abs(expected)), $"item {i}: {scores[i]} vs {expected}");
        }
    }

    [Fact]
    public void ScoreAll_RejectsMismatchedLengths()
    {
        Assert.Throws<ArgumentException>(() => Scoring.ScoreAll(new float[10], 4, new float[4], new float[3]));
        Assert.Throws<ArgumentException>(() => Scoring.ScoreAll(new float[12], 4, new float[3], new float[3]));
    }

    [Fact]
    public void Cosine_OfKnownVectors()
    {
        Assert.Equal(1f, Scoring.Cosine([1f, 2f, 3f], [2f, 4f, 6f]), 6);
        Assert.Equal(-1f, Scoring.Cosine([1f, 0f], [-3f, 0f]), 6);
        Assert.Equal(0f, Scoring.Cosine([1f, 0f], [0f, 5f]), 6);
        Assert.Equal(MathF.Sqrt(0.5f), Scoring.Cosine([1f, 1f], [1f, 0f]), 6);
    }

    [Fact]
    public void Cosine_WithAZeroVector_IsZero()
    {
        Assert.Equal(0f, Scoring.Cosine([0f, 0f], [1f, 2f]));
    }
}
