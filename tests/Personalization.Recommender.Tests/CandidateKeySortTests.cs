namespace Personalization.Recommender.Tests;

public class CandidateKeySortTests
{
    [Theory]
    [InlineData(264, 1, 0)] // a pool's re-score: scores of every sign and size
    [InlineData(264, 2, 40)] // many equal scores: their rows decide
    [InlineData(1000, 3, 0)]
    [InlineData(2, 4, 0)]
    [InlineData(1, 5, 0)]
    public void Sorts_as_a_comparison_sort_does(int count, int seed, int distinctScores)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, 5 * count).OrderBy(_ => random.Next()).Take(count).ToArray();
        var keys = rows.Select(row => CandidateCollector.Key(
            distinctScores > 0 ? random.Next(distinctScores) - distinctScores / 2 : (float)(TestData.Gaussian(random) * Math.Exp(4 * random.NextDouble())), row)).ToArray();
        var expected = keys.Order().ToArray();

        CandidateKeySort.Sort(keys, new ulong[count]);

        Assert.Equal(expected, keys);
    }

    [Fact]
    public void Scores_that_share_their_high_bytes_still_sort()
    {
        // Every score in [1, 2): the same sign and exponent, so the sort skips the passes over those bytes.
        var random = new Random(7);
        var keys = Enumerable.Range(0, 300).Select(row => CandidateCollector.Key(1f + (float)random.NextDouble(), row)).ToArray();
        var expected = keys.Order().ToArray();

        CandidateKeySort.Sort(keys, new ulong[300]);

        Assert.Equal(expected, keys);
    }

    [Fact]
    public void Scratch_shorter_than_the_keys_is_rejected() =>
        Assert.Equal("scratch", Assert.Throws<ArgumentException>(() => CandidateKeySort.Sort(new ulong[10], new ulong[9])).ParamName);
}
