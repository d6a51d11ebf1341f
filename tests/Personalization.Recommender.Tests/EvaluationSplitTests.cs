using Personalization.Recommender.Evaluation;

namespace Personalization.Recommender.Tests;

public class EvaluationSplitTests
{
    // 300 users × 120 items with skewed row lengths (0 to ~40 entries), so every rounding case of the rule occurs.
    private static readonly InteractionMatrix Matrix = SkewedMatrix(users: 300, items: 120, seed: 5);

    [Fact]
    public void Holdout_IsDeterministicForASeed()
    {
        var first = EvaluationSplit.Holdout(Matrix, 0.2, seed: 1);
        var again = EvaluationSplit.Holdout(Matrix, 0.2, seed: 1);
        var other = EvaluationSplit.Holdout(Matrix, 0.2, seed: 2);

        Assert.True(first.Roles.SequenceEqual(again.Roles));
        Assert.False(first.Roles.SequenceEqual(other.Roles));
        Assert.Equal(first.TestEntries, other.TestEntries); // the counts follow the rule, only the choice is random
    }

    [Fact]
    public void Holdout_PartitionsEveryEntryExactlyOnce()
    {
        var split = EvaluationSplit.Holdout(Matrix, 0.2, seed: 3);
        SplitMatrices parts = split.Apply(Matrix);

        Assert.Same(parts.Train, parts.FoldIn);
        AssertPartition(Matrix, parts.Train, parts.Test);
        Assert.Equal(Matrix.NonZeros, split.TrainEntries + split.TestEntries);
        Assert.Equal(split.TrainEntries, split.FoldInEntries);
        Assert.Empty(split.HeldOutUsers);
    }

    [Fact]
    public void Holdout_HidesTheDocumentedNumberPerUser()
    {
        var split = EvaluationSplit.Holdout(Matrix, 0.2, seed: 4, minEntriesForTest: 3);
        SplitMatrices parts = split.Apply(Matrix);

        var testUsers = new List<int>();
        for (int u = 0; u < Matrix.Rows; u++)
        {
            int entries = Matrix.RowColumns(u).Length;
            Assert.Equal(EvaluationSplit.TestEntryCount(entries, 0.2, 3), parts.Test.RowColumns(u).Length);
            if (parts.Test.RowColumns(u).Length > 0)
            {
                Assert.NotEqual(0, parts.Train.RowColumns(u).Length);
                testUsers.Add(u);
            }
        }
        Assert.Equal(testUsers, split.TestUsers);
        Assert.Contains(Enumerable.Range(0, Matrix.Rows), u => Matrix.RowColumns(u).Length == 2); // exercised, kept whole
    }

    [Theory]
    [InlineData(0, 0.2, 2, 0)]
    [InlineData(1, 0.2, 2, 0)]  // nothing to be described by
    [InlineData(2, 0.2, 2, 1)]  // round(0.4) = 0, raised to the minimum of one
    [InlineData(3, 0.2, 2, 1)]  // round(0.6) = 1
    [InlineData(7, 0.2, 2, 1)]  // round(1.4) = 1
    [InlineData(8, 0.2, 2, 2)]  // round(1.6) = 2
    [InlineData(13, 0.2, 2, 3)] // round(2.6) = 3
    [InlineData(4, 0.2, 5, 0)]  // below the minimum: kept whole
    [InlineData(5, 0.2, 5, 1)]
    [InlineData(5, 0.5, 2, 3)]  // 2.5 rounds away from zero
    [InlineData(2, 0.9, 2, 1)]  // at least one entry stays to describe the user
    [InlineData(10, 0.95, 2, 9)]
    public void TestEntryCount_FollowsTheRule(int entries, double fraction, int minimum, int expected)
    {
        Assert.Equal(expected, EvaluationSplit.TestEntryCount(entries, fraction, minimum));
    }

    [Fact]
    public void UsersByFraction_KeepsHeldOutUsersOutOfTraining()
    {
        var split = EvaluationSplit.UsersByFraction(Matrix, heldOutUserFraction: 0.25, foldInFraction: 0.8, seed: 6);
        SplitMatrices parts = split.Apply(Matrix);

        int eligible = Enumerable.Range(0, Matrix.Rows).Count(u => Matrix.RowColumns(u).Length >= 2);
        Assert.Equal((int)Math.Round(0.25 * eligible, MidpointRounding.AwayFromZero), split.HeldOutUsers.Count);
        Assert.Equal(split.HeldOutUsers, split.TestUsers);

        var heldOut = split.HeldOutUsers.ToHashSet();
        int foldInEntries = 0, heldOutEntries = 0;
        for (int u = 0; u < Matrix.Rows; u++)
        {
            int entries = Matrix.RowColumns(u).Length;
            if (heldOut.Contains(u))
            {
                Assert.Equal(0, parts.Train.RowColumns(u).Length);
                Assert.InRange(parts.FoldIn.RowColumns(u).Length, 1, entries - 1);
                Assert.Equal(EvaluationSplit.TestEntryCount(entries, 1 - 0.8, 2), parts.Test.RowColumns(u).Length);
                foldInEntries += parts.FoldIn.RowColumns(u).Length;
                heldOutEntries += entries;
            }
            else
            {
                Assert.True(Matrix.RowColumns(u).SequenceEqual(parts.Train.RowColumns(u)));
                Assert.Equal(0, parts.FoldIn.RowColumns(u).Length);
                Assert.Equal(0, parts.Test.RowColumns(u).Length);
            }
        }
        Assert.InRange((double)foldInEntries / heldOutEntries, 0.75, 0.85);
        AssertPartition(Matrix, parts.Train, parts.FoldIn, parts.Test);
    }

    [Fact]
    public void UsersByFraction_IsDeterministicForASeed()
    {
        var first = EvaluationSplit.UsersByFraction(Matrix, seed: 8);
        var again = EvaluationSplit.UsersByFraction(Matrix, seed: 8);
        var other = EvaluationSplit.UsersByFraction(Matrix, seed: 9);

        Assert.True(first.Roles.SequenceEqual(again.Roles));
        Assert.NotEqual(first.HeldOutUsers, other.HeldOutUsers);
    }

    [Fact]
    public void UsersByCount_HoldsOutExactlyThatManyEligibleUsers()
    {
        var split = EvaluationSplit.UsersByCount(Matrix, heldOutUsers: 17, foldInFraction: 0.5, seed: 3, minEntriesForTest: 10);

        Assert.Equal(17, split.HeldOutUsers.Count);
        Assert.All(split.HeldOutUsers, u => Assert.True(Matrix.RowColumns(u).Length >= 10));
        Assert.Equal(split.HeldOutUsers.Order(), split.HeldOutUsers);

        int eligible = Enumerable.Range(0, Matrix.Rows).Count(u => Matrix.RowColumns(u).Length >= 10);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
            EvaluationSplit.UsersByCount(Matrix, eligible + 1, minEntriesForTest: 10));
        Assert.Equal("heldOutUsers", error.ParamName);
    }

    [Fact]
    public void Apply_OnACompanionMatrix_GivesTheSameRolesWithItsValues()
    {
        // Same pattern, different values and different arrays (e.g. ratings alongside signal weights).
        var ratings = new float[Matrix.NonZeros];
        for (int p = 0; p < ratings.Length; p++)
            ratings[p] = 1 + p % 5;
        var companion = new InteractionMatrix(Matrix.Rows, Matrix.Columns,
            (int[])Matrix.RowPointers.Clone(), (int[])Matrix.ColumnIndices.Clone(), ratings);

        foreach (EvaluationSplit split in new[] { EvaluationSplit.Holdout(Matrix, seed: 1), EvaluationSplit.UsersByFraction(Matrix, seed: 1) })
        {
            SplitMatrices own = split.Apply(Matrix);
            SplitMatrices other = split.Apply(companion);
            AssertSamePatternWithValues(own.Train, other.Train, Matrix, ratings);
            AssertSamePatternWithValues(own.FoldIn, other.FoldIn, Matrix, ratings);
            AssertSamePatternWithValues(own.Test, other.Test, Matrix, ratings);
        }
    }

    [Fact]
    public void Apply_RejectsADifferentPattern()
    {
        var split = EvaluationSplit.Holdout(Matrix, seed: 1);
        var other = SkewedMatrix(users: 300, items: 120, seed: 6);

        var error = Assert.Throws<ArgumentException>(() => split.Apply(other));
        Assert.Equal("matrix", error.ParamName);
        Assert.Throws<ArgumentException>(() => split.Apply(Matrix.Transpose()));
    }

    [Fact]
    public void Constructor_AcceptsCustomRolesAndChecksThem()
    {
        // Users: 0 = [a, b, c], 1 = [d], 2 = [e, f].
        var matrix = InteractionMatrix.FromEntries(3, 4,
            [new(0, 0, 1f), new(0, 1, 1f), new(0, 2, 1f), new(1, 3, 1f), new(2, 0, 1f), new(2, 3, -1f)]);

        var holdout = new EvaluationSplit(matrix, SplitProtocol.Holdout,
            [EntryRole.Train, EntryRole.Test, EntryRole.Train, EntryRole.Test, EntryRole.Train, EntryRole.Train]);
        Assert.Equal([0], holdout.TestUsers); // user 1 has a test entry but nothing to be described by
        Assert.Equal(2, holdout.TestEntries);

        var users = new EvaluationSplit(matrix, SplitProtocol.HeldOutUsers,
            [EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.FoldIn, EntryRole.Test]);
        Assert.Equal([2], users.HeldOutUsers);
        Assert.Equal([2], users.TestUsers);
        Assert.Equal((4, 1, 1), (users.TrainEntries, users.FoldInEntries, users.TestEntries));

        Assert.Throws<ArgumentException>(() => new EvaluationSplit(matrix, SplitProtocol.Holdout,
            [EntryRole.FoldIn, EntryRole.Test, EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.Train]));
        Assert.Throws<ArgumentException>(() => new EvaluationSplit(matrix, SplitProtocol.HeldOutUsers,
            [EntryRole.Train, EntryRole.Test, EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.Train]));
        Assert.Throws<ArgumentException>(() => new EvaluationSplit(matrix, SplitProtocol.Holdout, [EntryRole.Train]));
        Assert.Throws<ArgumentException>(() => new EvaluationSplit(matrix, SplitProtocol.Holdout,
            [(EntryRole)7, EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.Train, EntryRole.Train]));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    public void Factories_RejectFractionsOutsideTheOpenInterval(double fraction)
    {
        Assert.Equal("testFraction",
            Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSplit.Holdout(Matrix, fraction)).ParamName);
        Assert.Equal("heldOutUserFraction",
            Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSplit.UsersByFraction(Matrix, fraction)).ParamName);
        Assert.Equal("foldInFraction",
            Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSplit.UsersByFraction(Matrix, 0.2, fraction)).ParamName);
        Assert.Equal("minEntriesForTest",
            Assert.Throws<ArgumentOutOfRangeException>(() => EvaluationSplit.Holdout(Matrix, 0.2, minEntriesForTest: 1)).ParamName);
    }

    internal static InteractionMatrix SkewedMatrix(int users, int items, int seed)
    {
        var random = new Random(seed);
        var entries = new List<MatrixEntry>();
        for (int u = 0; u < users; u++)
        {
            // Cubing a uniform draw makes most users light and a few heavy, as in real interaction data.
            int length = (int)(40 * Math.Pow(random.NextDouble(), 3));
            foreach (int item in Enumerable.Range(0, items).OrderBy(_ => random.Next()).Take(length))
                entries.Add(new MatrixEntry(u, item, random.NextDouble() < 0.2 ? -1f : 1 + random.Next(4)));
        }
        return InteractionMatrix.FromEntries(users, items, entries.ToArray());
    }

    // Each stored (user, item, value) of the source is in exactly one part.
    private static void AssertPartition(InteractionMatrix source, params InteractionMatrix[] parts)
    {
        Assert.All(parts, part => Assert.Equal((source.Rows, source.Columns), (part.Rows, part.Columns)));
        Assert.Equal(source.NonZeros, parts.Sum(part => part.NonZeros));
        for (int u = 0; u < source.Rows; u++)
        {
            var expected = new Dictionary<int, float>();
            for (int j = 0; j < source.RowColumns(u).Length; j++)
                expected[source.RowColumns(u)[j]] = source.RowWeights(u)[j];
            foreach (InteractionMatrix part in parts)
            {
                for (int j = 0; j < part.RowColumns(u).Length; j++)
                {
                    Assert.True(expected.Remove(part.RowColumns(u)[j], out float value), $"user {u}: entry in two parts or invented");
                    Assert.Equal(value, part.RowWeights(u)[j]);
                }
            }
            Assert.Empty(expected);
        }
    }

    private static void AssertSamePatternWithValues(InteractionMatrix own, InteractionMatrix other, InteractionMatrix source, float[] values)
    {
        Assert.Equal(own.RowPointers, other.RowPointers);
        Assert.Equal(own.ColumnIndices, other.ColumnIndices);
        for (int u = 0; u < source.Rows; u++)
        {
            ReadOnlySpan<int> sourceColumns = source.RowColumns(u);
            for (int j = 0; j < other.RowColumns(u).Length; j++)
            {
                int position = source.RowPointers[u] + sourceColumns.BinarySearch(other.RowColumns(u)[j]);
                Assert.Equal(values[position], other.RowWeights(u)[j]);
            }
        }
    }
}
