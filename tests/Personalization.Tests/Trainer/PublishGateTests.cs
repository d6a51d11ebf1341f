using Personalization.Storage;
using Personalization.Trainer.Training;

namespace Personalization.Tests.Trainer;

public sealed class PublishGateTests
{
    private static readonly TrainingOptions Options = new() { GateMetric = "holdout.ndcg@20", PublishMargin = 0.05 };

    private static ModelInfo Serving(double ndcg) =>
        new(3, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new Dictionary<string, double> { ["holdout.ndcg@20"] = ndcg });

    [Fact]
    public void The_first_model_is_always_published() =>
        Assert.True(PublishGate.Decide(Options, new Dictionary<string, double>(), current: null).Publish);

    [Theory]
    [InlineData(0.30, true)]   // better
    [InlineData(0.2851, true)] // 4.97 % worse: inside the 5 % margin
    [InlineData(0.2849, false)] // 5.03 % worse
    [InlineData(0.10, false)]
    public void A_candidate_is_published_unless_it_falls_below_the_serving_model_by_more_than_the_margin(double candidate, bool expected)
    {
        var (publish, reason) = PublishGate.Decide(Options, new Dictionary<string, double> { ["holdout.ndcg@20"] = candidate }, Serving(0.30));
        Assert.Equal(expected, publish);
        Assert.Contains("v3", reason);
        Assert.Contains("0.3000", reason);
    }

    [Fact]
    public void A_negative_margin_demands_an_improvement()
    {
        var strict = new TrainingOptions { GateMetric = "holdout.ndcg@20", PublishMargin = -0.01 };
        Assert.False(PublishGate.Decide(strict, new Dictionary<string, double> { ["holdout.ndcg@20"] = 0.30 }, Serving(0.30)).Publish);
        Assert.True(PublishGate.Decide(strict, new Dictionary<string, double> { ["holdout.ndcg@20"] = 0.31 }, Serving(0.30)).Publish);
    }

    [Fact]
    public void A_serving_model_without_the_metric_does_not_block_publication() =>
        Assert.True(PublishGate.Decide(Options, new Dictionary<string, double> { ["holdout.ndcg@20"] = 0.01 },
            new ModelInfo(1, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, new Dictionary<string, double>())).Publish);
}
