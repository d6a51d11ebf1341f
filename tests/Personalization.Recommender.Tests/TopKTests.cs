namespace Personalization.Recommender.Tests;

public class TopKTests
{
    [Theory]
    [InlineData(1000, 10, 0)]
    [InlineData(1000, 1, 1)]
    [InlineData(500, 50, 2)]
    [InlineData(40, 100, 3)] // K larger than the number of eligible scores
    [InlineData(0, 5, 4)]
    public void Select_MatchesASortBasedReference(int count, int k, int seed) => MatchesASortBasedReference(count, k, seed, excluded: 0.2, infinite: 0.05);

    [Theory]
    [InlineData(20_000, 200, 5, 0.2, 0.0)] // the home page's pool: a buffer above a sampled threshold, not a heap
    [InlineData(20_000, 200, 11, 0.2, 0.05)] // more +∞ than the sample's rank: its threshold is +∞, and the scan runs again
    [InlineData(20_000, 20, 6, 0.2, 0.05)] // too few kept for a sample: from −∞
    [InlineData(TopK.BufferedFromScores, 1, 12, 0.2, 0.05)] // the shortest array that takes the buffer
    [InlineData(20_003, 256, 7, 0.0, 0.0)] // a tail shorter than one vector
    [InlineData(2_000, 256, 8, 0.95, 0.0)] // fewer eligible scores than asked for
    [InlineData(4_096, 1_024, 9, 0.2, 0.05)] // exactly four scores per kept one
    public void Select_LongLists_MatchASortBasedReference(int count, int k, int seed, double excluded, double infinite) =>
        MatchesASortBasedReference(count, k, seed, excluded, infinite);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Select_LongLists_InAscendingOrDescendingOrder_KeepTheBest(bool ascending)
    {
        // Ascending scores raise the threshold at every partition; descending ones enter nothing after the first.
        var scores = Enumerable.Range(0, 10_000).Select(i => ascending ? i * 0.5f : -i * 0.5f).ToArray();
        scores[17] = -0f; // folded into +0 by the keys, returned as it was
        var indices = new int[100];
        var topScores = new float[100];
        Assert.Equal(100, TopK.Select(scores, indices, topScores));
        var expected = Enumerable.Range(0, 10_000).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(100).ToArray();
        Assert.Equal(expected, indices);
        Assert.Equal(expected.Select(i => scores[i]), topScores);
        if (!ascending) // −0 ties the +0 of index 0, after it, and keeps its sign
        {
            Assert.Equal([0, 17, 1], indices[..3]);
            Assert.True(float.IsNegative(topScores[1]));
        }
    }

    [Fact]
    public void Select_LongLists_WhenTheSampleOverestimates_ScanAgainAndKeepTheBest()
    {
        // Keeping 200 of 20,000, the sample reads 16 scores in every 400 from the 13th chunk on; that chunk alone holds
        // scores far above the rest, so its 16th best is the sample's threshold, and only 15 scores beat it.
        var random = new Random(10);
        var scores = Enumerable.Range(0, 20_000).Select(_ => (float)TestData.Gaussian(random)).ToArray();
        for (int i = 0; i < 16; i++) scores[12 * 16 + i] = 1_000 + i;
        var indices = new int[200];
        var topScores = new float[200];
        Assert.Equal(200, TopK.Select(scores, indices, topScores));
        var expected = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(200).ToArray();
        Assert.Equal(expected, indices);
        Assert.Equal(expected.Select(i => scores[i]), topScores);
    }

    private static void MatchesASortBasedReference(int count, int k, int seed, double excluded, double infinite)
    {
        var random = new Random(seed);
        var scores = new float[count];
        for (int i = 0; i < count; i++)
        {
            double roll = random.NextDouble();
            scores[i] = roll < excluded ? float.NegativeInfinity
                : roll < excluded + 0.05 ? float.NaN
                : roll < excluded + 0.05 + infinite ? float.PositiveInfinity
                : roll < excluded + 0.15 + infinite ? MathF.Round((float)random.NextDouble(), 1) // many exact ties
                : roll < excluded + 0.2 + infinite ? (random.Next(2) == 0 ? 0f : -0f) // −0 ties +0
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
