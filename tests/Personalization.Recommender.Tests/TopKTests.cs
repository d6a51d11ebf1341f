namespace Personalization.Recommender.Tests;

public class TopKTests
{
    [Theory]
    [InlineData(1000, 10, 0)]
    [InlineData(1000, 1, 1)]
    [InlineData(500, 50, 2)]
    [InlineData(40, 100, 3)] // K larger than the number of eligible scores
    [InlineData(0, 5, 4)]
    public void Select_MatchesASortBasedReference(int count, int k, int seed)
    {
        var random = new Random(seed);
        var scores = new float[count];
        for (int i = 0; i < count; i++)
        {
            double roll = random.NextDouble();
            scores[i] = roll < 0.2 ? float.NegativeInfinity
                : roll < 0.25 ? float.NaN
                : roll < 0.35 ? MathF.Round((float)random.NextDouble(), 1) // many exact ties
                : (float)TestData.Gaussian(random);
        }

        var indices = new int[k];
        var topScores = new float[k];
        int written = TopK.Select(scores, indices, topScores);

        var expected = Enumerable.Range(0, count)
            .Where(i => !float.IsNaN(scores[i]) && scores[i] != float.NegativeInfinity)
            .OrderByDescending(i => scores[i]).ThenBy(i => i)
            .Take(k).ToArray();
        Assert.Equal(expected.Length, written);
        Assert.Equal(expected, indices[..written]);
        Assert.Equal(expected.Select(i => scores[i]), topScores[..written]);
    }

    [Fact]
    public void Select_KeepsPositiveInfinityAndBreaksTiesByIndex()
    {
        float[] scores = [1f, float.PositiveInfinity, 1f, float.NegativeInfinity, 1f];
        var indices = new int[3];
        var topScores = new float[3];

        int written = TopK.Select(scores, indices, topScores);

        Assert.Equal(3, written);
        Assert.Equal([1, 0, 2], indices);
        Assert.Equal([float.PositiveInfinity, 1f, 1f], topScores);
    }

    [Fact]
    public void Select_WithEmptyOutput_WritesNothing()
    {
        Assert.Equal(0, TopK.Select([3f, 2f], Span<int>.Empty, Span<float>.Empty));
    }

    [Fact]
    public void Select_RejectsShortScoreOutput()
    {
        Assert.Throws<ArgumentException>(() => TopK.Select([1f], new int[2], new float[1]));
    }
}
