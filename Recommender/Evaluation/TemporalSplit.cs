namespace Personalization.Recommender.Evaluation;

/// <summary>
/// Splits by time rather than at random: what production sees, where the past predicts the future. Each stored entry
/// of the user × item matrix carries the time its pair was first seen (Unix seconds, on the matrix's pattern), and the
/// roles follow from those times alone, so the same data always gives the same split.
/// </summary>
/// <remarks>
/// <para><see cref="GlobalCutoff"/> is leak-free: nothing after the cutoff is trained on, for any user, so no model can
/// learn an item's later popularity or a later co-occurrence before judging it. <see cref="LeaveLastOut"/> hides each
/// user's newest entries but trains on every other user's entries whatever their time, the usual sequential protocol
/// with its known cross-user leakage (Ji et al. 2023, "A Critical Study on Data Leakage in Recommender System Offline
/// Evaluation"); it answers "does the model predict a user's next choices", the global cutoff "would this model have
/// served well from that day on".</para>
/// <para>Both read as <see cref="SplitProtocol.Holdout"/>: users are scored from their own training entries.</para>
/// </remarks>
public static class TemporalSplit
{
    /// <summary>
    /// Entries first seen at or before <paramref name="cutoff"/> train; later ones are test. Users with entries on both
    /// sides are evaluated; a user who appears only after the cutoff is new to the model and not scored.
    /// </summary>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="firstSeen">Unix seconds per stored entry, in storage order.</param>
    /// <param name="cutoff">The last trained second.</param>
    /// <exception cref="ArgumentException"><paramref name="firstSeen"/> does not match the matrix.</exception>
    public static EvaluationSplit GlobalCutoff(InteractionMatrix matrix, ReadOnlySpan<long> firstSeen, long cutoff)
    {
        Check(matrix, firstSeen);
        var roles = new EntryRole[matrix.NonZeros];
        for (int p = 0; p < roles.Length; p++)
            roles[p] = firstSeen[p] > cutoff ? EntryRole.Test : EntryRole.Train;
        return new EvaluationSplit(matrix, SplitProtocol.Holdout, roles);
    }

    /// <summary>
    /// The cutoff that leaves about <paramref name="testFraction"/> of the entries after it: the entry time at the
    /// (1 − fraction) quantile. Entries at the cutoff second train, so ties never straddle it.
    /// </summary>
    /// <param name="firstSeen">Unix seconds per stored entry.</param>
    /// <param name="testFraction">Share of entries to leave after the cutoff, in (0, 1).</param>
    /// <exception cref="ArgumentException">No entries, or the fraction is out of range.</exception>
    public static long CutoffForTestFraction(ReadOnlySpan<long> firstSeen, double testFraction)
    {
        if (!(testFraction > 0 && testFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in (0, 1).");
        if (firstSeen.IsEmpty)
            throw new ArgumentException("No entries to split.", nameof(firstSeen));
        var sorted = firstSeen.ToArray();
        Array.Sort(sorted);
        int trained = Math.Clamp((int)Math.Round(sorted.Length * (1 - testFraction)), 1, sorted.Length);
        return sorted[trained - 1];
    }

    /// <summary>
    /// Each user with more than <paramref name="count"/> entries (and at least <paramref name="minEntriesForTest"/>)
    /// hides the <paramref name="count"/> newest as test, ties broken towards the higher column so the split is
    /// deterministic; everything else trains.
    /// </summary>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="firstSeen">Unix seconds per stored entry, in storage order.</param>
    /// <param name="count">Newest entries per user to hide, at least 1.</param>
    /// <param name="minEntriesForTest">Users with fewer entries keep all of them for training; at least 2.</param>
    /// <exception cref="ArgumentException"><paramref name="firstSeen"/> does not match the matrix.</exception>
    public static EvaluationSplit LeaveLastOut(InteractionMatrix matrix, ReadOnlySpan<long> firstSeen, int count = 1, int minEntriesForTest = 2)
    {
        Check(matrix, firstSeen);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(minEntriesForTest, 2);
        var roles = new EntryRole[matrix.NonZeros];
        var order = new (long Time, int Position)[MaxRowLength(matrix)];
        for (int u = 0; u < matrix.Rows; u++)
        {
            int start = matrix.RowPointers[u], end = matrix.RowPointers[u + 1];
            int length = end - start;
            if (length <= count || length < minEntriesForTest)
                continue;
            var row = order.AsSpan(0, length);
            for (int p = start; p < end; p++)
                row[p - start] = (firstSeen[p], p);
            // Oldest first; columns ascend within a row, so among equal times the later position is the higher column.
            row.Sort();
            foreach (var (_, position) in row[^count..])
                roles[position] = EntryRole.Test;
        }
        return new EvaluationSplit(matrix, SplitProtocol.Holdout, roles);
    }

    /// <summary>
    /// Cold start: a share of the users is held out of training altogether, and each of them is folded in from only
    /// their <paramref name="foldInEvents"/> oldest entries and judged on all the rest. It measures what a new member
    /// sees after their first few events, where a model's regularization matters most, and which the protocols that
    /// describe users by dozens of entries cannot.
    /// </summary>
    /// <remarks>Read as <see cref="SplitProtocol.HeldOutUsers"/>. Ties in time break towards the lower column being
    /// older, as in <see cref="LeaveLastOut"/>.</remarks>
    /// <param name="matrix">User × item matrix; only its pattern is used.</param>
    /// <param name="firstSeen">Unix seconds per stored entry, in storage order.</param>
    /// <param name="foldInEvents">Entries each held-out user is described by, at least 1; only users with more are eligible.</param>
    /// <param name="heldOutUserFraction">Share of the eligible users held out, in (0, 1); at least one when any is eligible.</param>
    /// <param name="seed">Seed of the choice of users.</param>
    /// <exception cref="ArgumentException"><paramref name="firstSeen"/> does not match the matrix.</exception>
    public static EvaluationSplit ColdStart(InteractionMatrix matrix, ReadOnlySpan<long> firstSeen, int foldInEvents, double heldOutUserFraction = 0.2, int seed = 42)
    {
        Check(matrix, firstSeen);
        ArgumentOutOfRangeException.ThrowIfLessThan(foldInEvents, 1);
        if (!(heldOutUserFraction > 0 && heldOutUserFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(heldOutUserFraction), heldOutUserFraction, "The held-out share must be in (0, 1).");
        var eligible = new List<int>();
        for (int u = 0; u < matrix.Rows; u++)
            if (matrix.RowPointers[u + 1] - matrix.RowPointers[u] > foldInEvents)
                eligible.Add(u);
        int count = eligible.Count == 0 ? 0
            : Math.Clamp((int)Math.Round(eligible.Count * heldOutUserFraction, MidpointRounding.AwayFromZero), 1, eligible.Count);
        // A partial Fisher-Yates shuffle picks the held-out users.
        var random = new Random(seed);
        for (int i = 0; i < count; i++)
        {
            int j = random.Next(i, eligible.Count);
            (eligible[i], eligible[j]) = (eligible[j], eligible[i]);
        }
        var roles = new EntryRole[matrix.NonZeros];
        var order = new (long Time, int Position)[MaxRowLength(matrix)];
        foreach (int u in eligible.Take(count))
        {
            int start = matrix.RowPointers[u], end = matrix.RowPointers[u + 1];
            var row = order.AsSpan(0, end - start);
            for (int p = start; p < end; p++)
                row[p - start] = (firstSeen[p], p);
            row.Sort();
            for (int i = 0; i < row.Length; i++)
                roles[row[i].Position] = i < foldInEvents ? EntryRole.FoldIn : EntryRole.Test;
        }
        return new EvaluationSplit(matrix, SplitProtocol.HeldOutUsers, roles);
    }

    private static int MaxRowLength(InteractionMatrix matrix)
    {
        int longest = 0;
        for (int u = 0; u < matrix.Rows; u++)
            longest = Math.Max(longest, matrix.RowPointers[u + 1] - matrix.RowPointers[u]);
        return longest;
    }

    private static void Check(InteractionMatrix matrix, ReadOnlySpan<long> firstSeen)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        if (firstSeen.Length != matrix.NonZeros)
            throw new ArgumentException($"{firstSeen.Length} entry times for a matrix of {matrix.NonZeros} entries.", nameof(firstSeen));
    }
}
