using Personalization.Recommender.Evaluation;

namespace Personalization.Recommender.Tests;

public class TemporalSplitTests
{
    private static readonly InteractionMatrix Matrix = EvaluationSplitTests.SkewedMatrix(users: 300, items: 120, seed: 5);

    // A time per entry: many ties (whole days) so the tie rules are exercised.
    private static long[] Times(int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, Matrix.NonZeros).Select(_ => 1_600_000_000L + 86_400L * random.Next(100)).ToArray();
    }

    [Fact]
    public void A_global_cutoff_trains_on_nothing_after_it_and_tests_on_nothing_before_it()
    {
        var times = Times(1);
        long cutoff = TemporalSplit.CutoffForTestFraction(times, 0.2);
        var split = TemporalSplit.GlobalCutoff(Matrix, times, cutoff);

        Assert.Equal(SplitProtocol.Holdout, split.Protocol);
        for (int p = 0; p < times.Length; p++)
        {
            if (split.Roles[p] == EntryRole.Train) Assert.True(times[p] <= cutoff, $"entry {p} at {times[p]} trains after the cutoff {cutoff}");
            else Assert.True(times[p] > cutoff, $"entry {p} at {times[p]} is tested but not newer than the cutoff {cutoff}");
        }
        // No leakage: the training matrix holds no pair first seen after the cutoff, for any user.
        var parts = split.Apply(Matrix);
        Assert.Equal(times.Count(t => t <= cutoff), parts.Train.NonZeros);
        Assert.Equal(times.Count(t => t > cutoff), parts.Test.NonZeros);
        // About the asked share is after the cutoff (whole days of ties make it coarse).
        Assert.InRange(split.TestEntries / (double)Matrix.NonZeros, 0.12, 0.28);
        // Users are judged only when they have a past to be scored from.
        Assert.All(split.TestUsers, u => Assert.Contains(Enumerable.Range(Matrix.RowPointers[u], Matrix.RowPointers[u + 1] - Matrix.RowPointers[u]),
            p => times[p] <= cutoff));
    }

    [Fact]
    public void The_cutoff_for_a_fraction_is_an_entry_time_and_ties_stay_on_the_training_side()
    {
        long[] times = [5, 1, 3, 3, 3, 9, 7, 8, 2, 4];
        Assert.Equal(7, TemporalSplit.CutoffForTestFraction(times, 0.2)); // 8 of 10 at or before 7
        Assert.Equal(3, TemporalSplit.CutoffForTestFraction(times, 0.5)); // the 5th smallest is a 3: all three 3s train
        Assert.Throws<ArgumentOutOfRangeException>(() => TemporalSplit.CutoffForTestFraction(times, 1));
        Assert.Throws<ArgumentException>(() => TemporalSplit.CutoffForTestFraction([], 0.2));
        Assert.Throws<ArgumentException>(() => TemporalSplit.GlobalCutoff(Matrix, times, 3));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Leave_last_out_hides_each_users_newest_entries(int count)
    {
        var times = Times(2);
        var split = TemporalSplit.LeaveLastOut(Matrix, times, count);
        for (int u = 0; u < Matrix.Rows; u++)
        {
            int start = Matrix.RowPointers[u], length = Matrix.RowPointers[u + 1] - start;
            var positions = Enumerable.Range(start, length).ToArray();
            var tested = positions.Where(p => split.Roles[p] == EntryRole.Test).ToArray();
            if (length <= count || length < 2)
            {
                Assert.Empty(tested);
                continue;
            }
            Assert.Equal(count, tested.Length);
            // Every hidden entry is at least as new as every trained one of the same user.
            long oldestTested = tested.Min(p => times[p]);
            Assert.All(positions.Except(tested), p => Assert.True(times[p] <= oldestTested));
        }
        Assert.True(split.TestUsers.Count > 0);
        // Deterministic: the same times give the same roles.
        Assert.True(split.Roles.SequenceEqual(TemporalSplit.LeaveLastOut(Matrix, times, count).Roles));
    }

    [Fact]
    public void Among_equal_times_leave_last_out_hides_the_higher_column()
    {
        var matrix = InteractionMatrix.FromEntries(1, 4, [new(0, 0, 1f), new(0, 1, 1f), new(0, 2, 1f), new(0, 3, 1f)]);
        var split = TemporalSplit.LeaveLastOut(matrix, [10, 20, 20, 5], 1);
        Assert.Equal([EntryRole.Train, EntryRole.Train, EntryRole.Test, EntryRole.Train], split.Roles.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(10)]
    public void Cold_start_folds_held_out_users_in_from_their_oldest_entries_and_trains_on_nobody_else_of_theirs(int events)
    {
        var times = Times(3);
        var split = TemporalSplit.ColdStart(Matrix, times, events, heldOutUserFraction: 0.2, seed: 9);

        Assert.Equal(SplitProtocol.HeldOutUsers, split.Protocol);
        int eligible = Enumerable.Range(0, Matrix.Rows).Count(u => Matrix.RowPointers[u + 1] - Matrix.RowPointers[u] > events);
        Assert.Equal((int)Math.Round(eligible * 0.2, MidpointRounding.AwayFromZero), split.HeldOutUsers.Count);
        Assert.Equal(split.HeldOutUsers, split.TestUsers);
        for (int u = 0; u < Matrix.Rows; u++)
        {
            int start = Matrix.RowPointers[u], end = Matrix.RowPointers[u + 1];
            var roles = Enumerable.Range(start, end - start).Select(p => split.Roles[p]).ToArray();
            if (!split.HeldOutUsers.Contains(u))
            {
                Assert.All(roles, r => Assert.Equal(EntryRole.Train, r));
                continue;
            }
            // Exactly N entries describe the user, none trains, and no fold-in entry is newer than a test entry.
            Assert.Equal(events, roles.Count(r => r == EntryRole.FoldIn));
            Assert.DoesNotContain(EntryRole.Train, roles);
            long newestShown = Enumerable.Range(start, end - start).Where(p => split.Roles[p] == EntryRole.FoldIn).Max(p => times[p]);
            long oldestHidden = Enumerable.Range(start, end - start).Where(p => split.Roles[p] == EntryRole.Test).Min(p => times[p]);
            Assert.True(newestShown <= oldestHidden, $"user {u}: shown at {newestShown}, hidden from {oldestHidden}");
        }
        // The same seed gives the same users; another seed other users.
        Assert.Equal(split.HeldOutUsers, TemporalSplit.ColdStart(Matrix, times, events, 0.2, seed: 9).HeldOutUsers);
        Assert.NotEqual(split.HeldOutUsers, TemporalSplit.ColdStart(Matrix, times, events, 0.2, seed: 10).HeldOutUsers);
        Assert.Throws<ArgumentOutOfRangeException>(() => TemporalSplit.ColdStart(Matrix, times, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => TemporalSplit.ColdStart(Matrix, times, 1, heldOutUserFraction: 1));
    }
}
