using Personalization.Recommender.Experiments;

namespace Personalization.Recommender.Tests.Experiments;

public sealed class ExperimentAssignmentTests
{
    private static readonly string[] Users = Enumerable.Range(0, 100_000).Select(i => $"user-{i}").ToArray();

    [Fact]
    public void Assignment_is_deterministic_and_pinned()
    {
        Assert.Equal(ExperimentAssignment.Bucket("exp", 1, "u1"), ExperimentAssignment.Bucket("exp", 1, "u1"));
        Assert.NotEqual(ExperimentAssignment.Bucket("exp", 1, "u1"), ExperimentAssignment.Bucket("exp", 2, "u1"));
        Assert.NotEqual(ExperimentAssignment.Bucket("exp", 1, "u1"), ExperimentAssignment.Bucket("exp2", 1, "u1"));
        // Pinned: a change of the hash would move every running experiment's users.
        Assert.Equal(PinnedBucket, ExperimentAssignment.Bucket("exp", 1, "u1"), 15);
        Assert.InRange(ExperimentAssignment.Bucket("", 0, ""), 0, 1);
        Assert.Equal(0, ExperimentAssignment.Choose([0.5, 0.5], 0.4999));
        Assert.Equal(1, ExperimentAssignment.Choose([0.5, 0.5], 0.5));
        Assert.Equal(2, ExperimentAssignment.Choose([1, 1, 2], 0.75));
        Assert.Throws<ArgumentException>(() => ExperimentAssignment.Choose([0.5, 0], 0.1));
    }

    private const double PinnedBucket = 0.75977027946629605;

    [Fact]
    public void Shares_hold_within_a_point_on_100000_users_and_pass_the_ratio_check()
    {
        double[] shares = [0.5, 0.3, 0.2];
        var counts = new long[3];
        foreach (var user in Users) counts[ExperimentAssignment.Assign("homepage-ranking", 1, user, shares)]++;
        for (var v = 0; v < 3; v++) Assert.InRange(counts[v] / 100_000.0, shares[v] - 0.01, shares[v] + 0.01);
        Assert.False(ExperimentAnalyzer.SampleRatio(counts, shares).Mismatch);
    }

    [Fact]
    public void Two_experiments_assign_independently()
    {
        var table = new long[2, 2];
        foreach (var user in Users)
            table[ExperimentAssignment.Assign("first", 1, user, [0.5, 0.5]), ExperimentAssignment.Assign("second", 1, user, [0.5, 0.5])]++;
        for (var i = 0; i < 2; i++)
            for (var j = 0; j < 2; j++) Assert.InRange(table[i, j] / 100_000.0, 0.24, 0.26);
        // A new epoch re-draws: about half the users of a 50/50 split change variant.
        var moved = Users.Count(u => ExperimentAssignment.Assign("first", 1, u, [0.5, 0.5]) != ExperimentAssignment.Assign("first", 2, u, [0.5, 0.5]));
        Assert.InRange(moved / 100_000.0, 0.48, 0.52);
    }
}
