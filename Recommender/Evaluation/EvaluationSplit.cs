namespace Personalization.Recommender.Evaluation;

/// <summary>
/// A deterministic division of a user × item matrix into train, fold-in and test, expressed as one
/// <see cref="EntryRole"/> per stored entry so that the same split applies to any companion matrix with the same
/// sparsity pattern (e.g. ratings alongside signal weights).
/// </summary>
/// <remarks>
/// <para>The factories draw from <see cref="Random"/> seeded with the given seed, whose sequence is stable across
/// .NET versions: the same matrix pattern, parameters and seed give the same split everywhere. The values of the
/// matrix never influence the split, only its pattern.</para>
/// <para>Test entries of any value are hidden; whether one counts as relevant (a positive signal) is decided by the
/// evaluator, because a companion matrix may carry different values for the same entries.</para>
/// <para>The split keeps references to the pattern arrays of the matrix it was made from; like every
/// <see cref="InteractionMatrix"/> array, they must not be modified.</para>
/// </remarks>
public sealed class EvaluationSplit
{
    private readonly int[] _rowPointers;
    private readonly int[] _columnIndices;
    private readonly EntryRole[] _roles;
    private readonly int[] _testUsers;
    private readonly int[] _heldOutUsers;

    /// <summary>Wraps roles computed elsewhere (e.g. a temporal split from timestamps) after checking them.</summary>
    /// <param name="pattern">The matrix whose stored entries <paramref name="roles"/> describe.</param>
    /// <param name="protocol">How the roles are to be read.</param>
    /// <param name="roles">One role per stored entry of <paramref name="pattern"/>, in storage order; copied.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="protocol"/> is not defined.</exception>
    /// <exception cref="ArgumentException">The roles do not fit the pattern or the protocol: a role is undefined,
    /// <see cref="EntryRole.FoldIn"/> appears under <see cref="SplitProtocol.Holdout"/>, or under
    /// <see cref="SplitProtocol.HeldOutUsers"/> a user has both training and fold-in or test entries.</exception>
    public EvaluationSplit(InteractionMatrix pattern, SplitProtocol protocol, ReadOnlySpan<EntryRole> roles)
        : this(pattern, protocol, ValidatedCopy(pattern, protocol, roles))
    {
    }

    // Trusted: the factories build roles that are valid by construction and hand over ownership.
    private EvaluationSplit(InteractionMatrix pattern, SplitProtocol protocol, EntryRole[] roles)
    {
        _rowPointers = pattern.RowPointers;
        _columnIndices = pattern.ColumnIndices;
        _roles = roles;
        Protocol = protocol;
        Rows = pattern.Rows;
        Columns = pattern.Columns;

        EntryRole describing = protocol == SplitProtocol.Holdout ? EntryRole.Train : EntryRole.FoldIn;
        var testUsers = new List<int>();
        var heldOutUsers = new List<int>();
        for (int u = 0; u < Rows; u++)
        {
            int describingCount = 0, testCount = 0, trainCount = 0;
            for (int p = _rowPointers[u]; p < _rowPointers[u + 1]; p++)
            {
                EntryRole role = roles[p];
                if (role == describing)
                    describingCount++;
                if (role == EntryRole.Test)
                    testCount++;
                if (role == EntryRole.Train)
                    trainCount++;
            }
            TrainEntries += trainCount;
            TestEntries += testCount;
            if (protocol == SplitProtocol.HeldOutUsers)
                FoldInEntries += describingCount;
            if (describingCount > 0 && testCount > 0)
                testUsers.Add(u);
            if (protocol == SplitProtocol.HeldOutUsers && describingCount + testCount > 0)
                heldOutUsers.Add(u);
        }
        if (protocol == SplitProtocol.Holdout)
            FoldInEntries = TrainEntries;
        _testUsers = testUsers.ToArray();
        _heldOutUsers = heldOutUsers.ToArray();
    }

    /// <summary>How the roles are to be read.</summary>
    public SplitProtocol Protocol { get; }

    /// <summary>Rows (users) of the matrices the split applies to.</summary>
    public int Rows { get; }

    /// <summary>Columns (items) of the matrices the split applies to.</summary>
    public int Columns { get; }

    /// <summary>The role of every stored entry, in storage order.</summary>
    public ReadOnlySpan<EntryRole> Roles => _roles;

    /// <summary>Entries in the training matrix.</summary>
    public int TrainEntries { get; }

    /// <summary>Entries in the fold-in matrix (equal to <see cref="TrainEntries"/> under <see cref="SplitProtocol.Holdout"/>).</summary>
    public int FoldInEntries { get; }

    /// <summary>Entries hidden as test.</summary>
    public int TestEntries { get; }

    /// <summary>
    /// Users with at least one fold-in entry and at least one test entry, ascending: the candidates for evaluation,
    /// of which the evaluator scores those with at least one relevant test entry.
    /// </summary>
    public IReadOnlyList<int> TestUsers => _testUsers;

    /// <summary>Users kept out of training entirely, ascending; empty under <see cref="SplitProtocol.Holdout"/>.</summary>
    public IReadOnlyList<int> HeldOutUsers => _heldOutUsers;

    /// <summary>
    /// Per-user holdout: each user with at least <paramref name="minEntriesForTest"/> entries hides
    /// <see cref="TestEntryCount"/> of them, chosen uniformly at random, as test; all other entries train. Users are
    /// scored from their own training entries.
    /// </summary>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="testFraction">Share of each user's entries to hide, in (0, 1).</param>
    /// <param name="seed">Seed of the random choice.</param>
    /// <param name="minEntriesForTest">Users with fewer entries keep all of them for training; at least 2.</param>
    /// <returns>The split.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static EvaluationSplit Holdout(InteractionMatrix matrix, double testFraction = 0.2, int seed = 42, int minEntriesForTest = 2)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckOpenFraction(testFraction, nameof(testFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(minEntriesForTest, 2);

        var roles = new EntryRole[matrix.NonZeros]; // all Train
        var random = new Random(seed);
        var scratch = new int[MaxRowLength(matrix)];
        for (int u = 0; u < matrix.Rows; u++)
        {
            int start = matrix.RowPointers[u], length = matrix.RowPointers[u + 1] - start;
            MarkRandomTest(roles.AsSpan(start, length), TestEntryCount(length, testFraction, minEntriesForTest), random, scratch);
        }
        return new EvaluationSplit(matrix, SplitProtocol.Holdout, roles);
    }

    /// <summary>
    /// Strong generalization with a share of users held out: round(<paramref name="heldOutUserFraction"/> × eligible
    /// users), at least one when any is eligible, where eligible users have at least <paramref name="minEntriesForTest"/>
    /// entries. See <see cref="UsersByCount"/>.
    /// </summary>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="heldOutUserFraction">Share of the eligible users to hold out, in (0, 1).</param>
    /// <param name="foldInFraction">Share of each held-out user's entries used to describe them, in (0, 1).</param>
    /// <param name="seed">Seed of the random choices.</param>
    /// <param name="minEntriesForTest">Users with fewer entries are never held out; at least 2.</param>
    /// <returns>The split.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static EvaluationSplit UsersByFraction(
        InteractionMatrix matrix, double heldOutUserFraction = 0.2, double foldInFraction = 0.8, int seed = 42, int minEntriesForTest = 2)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckOpenFraction(heldOutUserFraction, nameof(heldOutUserFraction));
        CheckOpenFraction(foldInFraction, nameof(foldInFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(minEntriesForTest, 2);

        int eligible = EligibleUsers(matrix, minEntriesForTest).Length;
        int count = eligible == 0 ? 0
            : Math.Clamp((int)Math.Round(eligible * heldOutUserFraction, MidpointRounding.AwayFromZero), 1, eligible);
        return HeldOut(matrix, count, foldInFraction, seed, minEntriesForTest);
    }

    /// <summary>
    /// Strong generalization (Liang et al. 2018): <paramref name="heldOutUsers"/> users, drawn uniformly from those
    /// with at least <paramref name="minEntriesForTest"/> entries, are removed from training. Each of them hides
    /// <see cref="TestEntryCount"/>(entries, 1 − <paramref name="foldInFraction"/>, <paramref name="minEntriesForTest"/>)
    /// entries, chosen at random, as test, so at least one; the rest, also at least one, is the fold-in the model
    /// scores them from. Every other user trains with all entries.
    /// </summary>
    /// <remarks>Only users that can be both described and tested are drawn, so no held-out slot is wasted on a user
    /// who could not be evaluated, and light users stay in training where they still help.</remarks>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="heldOutUsers">How many users to hold out, from 1 to the number of eligible users.</param>
    /// <param name="foldInFraction">Share of each held-out user's entries used to describe them, in (0, 1).</param>
    /// <param name="seed">Seed of the random choices.</param>
    /// <param name="minEntriesForTest">Users with fewer entries are never held out; at least 2.</param>
    /// <returns>The split.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static EvaluationSplit UsersByCount(
        InteractionMatrix matrix, int heldOutUsers, double foldInFraction = 0.8, int seed = 42, int minEntriesForTest = 2)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckOpenFraction(foldInFraction, nameof(foldInFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(minEntriesForTest, 2);
        int eligible = EligibleUsers(matrix, minEntriesForTest).Length;
        if (heldOutUsers < 1 || heldOutUsers > eligible)
            throw new ArgumentOutOfRangeException(nameof(heldOutUsers), heldOutUsers,
                $"Between 1 and the {eligible} users with at least {minEntriesForTest} entries can be held out.");
        return HeldOut(matrix, heldOutUsers, foldInFraction, seed, minEntriesForTest);
    }

    /// <summary>
    /// The number of test entries for a user with <paramref name="entries"/> entries: 0 below
    /// <paramref name="minEntriesForTest"/>, otherwise round(entries × <paramref name="testFraction"/>) (halves away
    /// from zero) clamped to [1, entries − 1], so every tested user keeps at least one entry to be described by.
    /// </summary>
    /// <param name="entries">The user's stored entries, non-negative.</param>
    /// <param name="testFraction">Share to hide, in (0, 1).</param>
    /// <param name="minEntriesForTest">The fewest entries for which any are hidden; at least 2.</param>
    /// <returns>The number of entries to hide.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A parameter is out of range.</exception>
    public static int TestEntryCount(int entries, double testFraction, int minEntriesForTest)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(entries);
        CheckOpenFraction(testFraction, nameof(testFraction));
        ArgumentOutOfRangeException.ThrowIfLessThan(minEntriesForTest, 2);
        if (entries < minEntriesForTest)
            return 0;
        int count = (int)Math.Round(entries * testFraction, MidpointRounding.AwayFromZero);
        return Math.Clamp(count, 1, entries - 1);
    }

    /// <summary>Splits a matrix with the pattern this split was made for into train, fold-in and test.</summary>
    /// <param name="matrix">A matrix with the same rows, columns, row pointers and column indices as the one the
    /// split was made from; its values may differ.</param>
    /// <returns>The three matrices, each with the full dimensions; under <see cref="SplitProtocol.Holdout"/> fold-in
    /// is the training matrix itself.</returns>
    /// <exception cref="ArgumentException">The pattern differs.</exception>
    public SplitMatrices Apply(InteractionMatrix matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        CheckPattern(matrix);
        InteractionMatrix train = Extract(matrix, EntryRole.Train, TrainEntries);
        InteractionMatrix test = Extract(matrix, EntryRole.Test, TestEntries);
        InteractionMatrix foldIn = Protocol == SplitProtocol.Holdout ? train : Extract(matrix, EntryRole.FoldIn, FoldInEntries);
        return new SplitMatrices(train, foldIn, test);
    }

    private static EvaluationSplit HeldOut(InteractionMatrix matrix, int count, double foldInFraction, int seed, int minEntriesForTest)
    {
        var random = new Random(seed);
        int[] eligible = EligibleUsers(matrix, minEntriesForTest);
        // Partial Fisher–Yates: the first count slots become a uniform sample without replacement.
        for (int j = 0; j < count; j++)
        {
            int pick = random.Next(j, eligible.Length);
            (eligible[j], eligible[pick]) = (eligible[pick], eligible[j]);
        }
        Span<int> chosen = eligible.AsSpan(0, count);
        // Entry draws then follow user order, so they do not depend on the order users were sampled in.
        chosen.Sort();

        var roles = new EntryRole[matrix.NonZeros]; // all Train
        var scratch = new int[MaxRowLength(matrix)];
        double testFraction = 1.0 - foldInFraction;
        foreach (int u in chosen)
        {
            int start = matrix.RowPointers[u], length = matrix.RowPointers[u + 1] - start;
            Span<EntryRole> row = roles.AsSpan(start, length);
            row.Fill(EntryRole.FoldIn);
            MarkRandomTest(row, TestEntryCount(length, testFraction, minEntriesForTest), random, scratch);
        }
        return new EvaluationSplit(matrix, SplitProtocol.HeldOutUsers, roles);
    }

    // Marks count entries of the row, chosen uniformly without replacement, as Test.
    private static void MarkRandomTest(Span<EntryRole> row, int count, Random random, int[] scratch)
    {
        if (count == 0)
            return;
        Span<int> positions = scratch.AsSpan(0, row.Length);
        for (int i = 0; i < positions.Length; i++)
            positions[i] = i;
        for (int j = 0; j < count; j++)
        {
            int pick = random.Next(j, positions.Length);
            (positions[j], positions[pick]) = (positions[pick], positions[j]);
            row[positions[j]] = EntryRole.Test;
        }
    }

    private static int[] EligibleUsers(InteractionMatrix matrix, int minEntries)
    {
        var users = new List<int>();
        for (int u = 0; u < matrix.Rows; u++)
        {
            if (matrix.RowPointers[u + 1] - matrix.RowPointers[u] >= minEntries)
                users.Add(u);
        }
        return users.ToArray();
    }

    private static int MaxRowLength(InteractionMatrix matrix)
    {
        int max = 0;
        for (int u = 0; u < matrix.Rows; u++)
            max = Math.Max(max, matrix.RowPointers[u + 1] - matrix.RowPointers[u]);
        return max;
    }

    private static void CheckOpenFraction(double value, string name)
    {
        if (!(value > 0 && value < 1))
            throw new ArgumentOutOfRangeException(name, value, "Must lie strictly between 0 and 1.");
    }

    private static EntryRole[] ValidatedCopy(InteractionMatrix pattern, SplitProtocol protocol, ReadOnlySpan<EntryRole> roles)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (!Enum.IsDefined(protocol))
            throw new ArgumentOutOfRangeException(nameof(protocol), protocol, "Unknown split protocol.");
        if (roles.Length != pattern.NonZeros)
            throw new ArgumentException($"Expected {pattern.NonZeros} roles, one per stored entry, got {roles.Length}.", nameof(roles));

        for (int u = 0; u < pattern.Rows; u++)
        {
            bool train = false, heldOut = false;
            for (int p = pattern.RowPointers[u]; p < pattern.RowPointers[u + 1]; p++)
            {
                EntryRole role = roles[p];
                if (role > EntryRole.Test)
                    throw new ArgumentException($"Entry {p} has the undefined role {(byte)role}.", nameof(roles));
                if (role == EntryRole.FoldIn && protocol == SplitProtocol.Holdout)
                    throw new ArgumentException(
                        $"Entry {p} (user {u}) is fold-in, but under holdout users are described by their training entries.", nameof(roles));
                train |= role == EntryRole.Train;
                heldOut |= role != EntryRole.Train;
            }
            if (protocol == SplitProtocol.HeldOutUsers && train && heldOut)
                throw new ArgumentException(
                    $"User {u} has training entries and fold-in or test entries; a held-out user must be absent from training.", nameof(roles));
        }
        return roles.ToArray();
    }

    private void CheckPattern(InteractionMatrix matrix)
    {
        int nonZeros = _rowPointers[Rows];
        bool same = matrix.Rows == Rows && matrix.Columns == Columns
            && (ReferenceEquals(matrix.RowPointers, _rowPointers) || matrix.RowPointers.AsSpan().SequenceEqual(_rowPointers))
            && (ReferenceEquals(matrix.ColumnIndices, _columnIndices)
                || matrix.ColumnIndices.AsSpan(0, nonZeros).SequenceEqual(_columnIndices.AsSpan(0, nonZeros)));
        if (!same)
            throw new ArgumentException(
                "The matrix does not have the sparsity pattern (dimensions, row pointers, column indices) the split was made for.", nameof(matrix));
    }

    private InteractionMatrix Extract(InteractionMatrix source, EntryRole role, int count)
    {
        var rowPointers = new int[Rows + 1];
        var columnIndices = new int[count];
        var weights = new float[count];
        int write = 0;
        for (int u = 0; u < Rows; u++)
        {
            for (int p = _rowPointers[u]; p < _rowPointers[u + 1]; p++)
            {
                if (_roles[p] != role)
                    continue;
                columnIndices[write] = _columnIndices[p];
                weights[write] = source.Weights[p];
                write++;
            }
            rowPointers[u + 1] = write;
        }
        // The public constructor re-checks in O(entries), negligible next to training, and keeps this type outside
        // the matrix's trusted internals.
        return new InteractionMatrix(Rows, Columns, rowPointers, columnIndices, weights);
    }
}
