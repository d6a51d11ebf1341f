using Personalization.Recommender.Evaluation;

namespace Personalization.Recommender.Tests;

public class RankingMetricsTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Compute_HandCheckedCase_AtK2()
    {
        // Relevant {1, 3}; ranking [3, 5, 1]: only item 3 (rank 1) is a hit within the first two.
        RankingScores scores = RankingMetrics.Compute([3, 5, 1], [1, 3], k: 2);

        Assert.Equal(1, scores.Hits);
        Assert.Equal(0.5, scores.Recall, Tolerance);
        Assert.Equal(0.5, scores.Precision, Tolerance);
        Assert.Equal(1 / (1 + 1 / Math.Log2(3)), scores.Ndcg, Tolerance);
        Assert.Equal(0.5, scores.AveragePrecision, Tolerance); // precision@1 = 1, over min(2, 2)
    }

    [Fact]
    public void Compute_HandCheckedCase_AtK3()
    {
        // Hits at ranks 1 and 3.
        RankingScores scores = RankingMetrics.Compute([3, 5, 1], [1, 3], k: 3);

        Assert.Equal(2, scores.Hits);
        Assert.Equal(1.0, scores.Recall, Tolerance);
        Assert.Equal(2.0 / 3, scores.Precision, Tolerance);
        Assert.Equal((1 + 1 / Math.Log2(4)) / (1 + 1 / Math.Log2(3)), scores.Ndcg, Tolerance);
        Assert.Equal((1.0 + 2.0 / 3) / 2, scores.AveragePrecision, Tolerance);
    }

    [Fact]
    public void SingleMetricFunctions_AgreeWithCompute()
    {
        int[] ranking = [7, 3, 5, 1, 8];
        int[] relevant = [1, 2, 3, 8];
        RankingScores all = RankingMetrics.Compute(ranking, relevant, 4);

        Assert.Equal(all.Recall, RankingMetrics.Recall(ranking, relevant, 4));
        Assert.Equal(all.Precision, RankingMetrics.Precision(ranking, relevant, 4));
        Assert.Equal(all.Ndcg, RankingMetrics.Ndcg(ranking, relevant, 4));
        Assert.Equal(all.AveragePrecision, RankingMetrics.AveragePrecision(ranking, relevant, 4));
        Assert.Equal(2, all.Hits); // 8 is at rank 5, beyond K
    }

    [Fact]
    public void Compute_NoHits_IsAllZero()
    {
        RankingScores scores = RankingMetrics.Compute([0, 2, 4], [1, 3], k: 3);

        Assert.Equal(new RankingScores(0, 0, 0, 0, 0), scores);
    }

    [Fact]
    public void Compute_MoreRelevantThanK_NormalizesByK()
    {
        int[] relevant = [0, 1, 2, 3, 4];

        // A perfect list of K relevant items scores 1 although most relevant items are missing.
        RankingScores perfect = RankingMetrics.Compute([4, 2], relevant, k: 2);
        Assert.Equal(1.0, perfect.Recall, Tolerance);
        Assert.Equal(1.0, perfect.Ndcg, Tolerance);
        Assert.Equal(1.0, perfect.AveragePrecision, Tolerance);

        // Hits at ranks 1 and 3 of 3.
        RankingScores partial = RankingMetrics.Compute([0, 9, 1], relevant, k: 3);
        Assert.Equal(2.0 / 3, partial.Recall, Tolerance);
        Assert.Equal(1.5 / (1 + 1 / Math.Log2(3) + 0.5), partial.Ndcg, Tolerance);
        Assert.Equal((1 + 2.0 / 3) / 3, partial.AveragePrecision, Tolerance);
    }

    [Fact]
    public void Compute_RankingShorterThanK_KeepsKInPrecision()
    {
        RankingScores scores = RankingMetrics.Compute([1], [1, 3], k: 3);

        Assert.Equal(1, scores.Hits);
        Assert.Equal(0.5, scores.Recall, Tolerance);
        Assert.Equal(1.0 / 3, scores.Precision, Tolerance);
        Assert.Equal(1 / (1 + 1 / Math.Log2(3)), scores.Ndcg, Tolerance);
    }

    [Fact]
    public void Compute_EmptyRelevantSet_IsAllZero()
    {
        Assert.Equal(default, RankingMetrics.Compute([1, 2, 3], [], k: 3));
        Assert.Equal(default, RankingMetrics.Compute([], [], k: 1));
    }

    [Fact]
    public void Compute_RejectsBadInput()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.Compute([1], [1], k: 0));
        Assert.Equal("k", error.ParamName);
        var unsorted = Assert.Throws<ArgumentException>(() => RankingMetrics.Compute([1], [3, 1], k: 2));
        Assert.Equal("relevant", unsorted.ParamName);
        Assert.Throws<ArgumentException>(() => RankingMetrics.Compute([1], [1, 1], k: 2));
    }

    [Fact]
    public void Coverage_IsTheRecommendedShareOfTheCatalog()
    {
        Assert.Equal(0.3, RankingMetrics.Coverage(3, 10), Tolerance);
        Assert.Equal(0.0, RankingMetrics.Coverage(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.Coverage(11, 10));
    }

    [Fact]
    public void IntraListDiversity_HandChecked()
    {
        // Unit vectors: item 0 (1, 0), item 1 (0, 1), item 2 (1, 0), item 3 (−1, 0).
        float[] vectors = [1f, 0f, 0f, 1f, 1f, 0f, -1f, 0f];

        // Pairs of [0, 1, 2]: (0, 1) 1 − 0 = 1, (0, 2) 1 − 1 = 0, (1, 2) 1 − 0 = 1: mean 2/3.
        Assert.Equal(2.0 / 3, RankingMetrics.IntraListDiversity([0, 1, 2], vectors, 2, k: 3), Tolerance);
        // Opposite items are at distance 2; K cuts the list before item 3 is counted.
        Assert.Equal(2.0, RankingMetrics.IntraListDiversity([0, 3], vectors, 2, k: 2), Tolerance);
        Assert.Equal(0.0, RankingMetrics.IntraListDiversity([0, 2, 3], vectors, 2, k: 2), Tolerance);
        // Fewer than two items: undefined, 0.
        Assert.Equal(0.0, RankingMetrics.IntraListDiversity([1], vectors, 2, k: 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.IntraListDiversity([0, 1], vectors, 0, k: 2));
    }

    [Fact]
    public void Novelty_HandChecked()
    {
        // 16 users; item 0 held by 8 (1 bit), item 1 by 2 (3 bits), item 2 by none (counted as 1: 4 bits).
        float[] popularity = [8f, 2f, 0f, 16f];

        Assert.Equal((1.0 + 3.0 + 4.0) / 3, RankingMetrics.Novelty([0, 1, 2], popularity, users: 16, k: 3), Tolerance);
        Assert.Equal(0.5, RankingMetrics.Novelty([3, 0, 2], popularity, users: 16, k: 2), Tolerance);
        Assert.Equal(0.0, RankingMetrics.Novelty([], popularity, users: 16, k: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => RankingMetrics.Novelty([0], popularity, users: 0, k: 1));
    }

    [Fact]
    public void RmseAndMae_HandChecked()
    {
        float[] predicted = [1f, 2f, 5f];
        float[] actual = [2f, 4f, 5f];

        Assert.Equal(Math.Sqrt((1.0 + 4.0) / 3), RankingMetrics.Rmse(predicted, actual), Tolerance);
        Assert.Equal(1.0, RankingMetrics.Mae(predicted, actual), Tolerance);
        Assert.Throws<ArgumentException>(() => RankingMetrics.Rmse([1f], [1f, 2f]));
        Assert.Throws<ArgumentException>(() => RankingMetrics.Mae([], []));
    }
}
