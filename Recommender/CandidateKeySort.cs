namespace Personalization.Recommender;

/// <summary>
/// Sorts the 64-bit (score, row) keys of <see cref="CandidateCollector"/> ascending: a least-significant-digit radix
/// sort on the score half, then the rare runs of equal scores ordered by the row half.
/// </summary>
/// <remarks>
/// A comparison sort of the few hundred keys an exact re-score ranks spends most of its time in mispredicted branches:
/// the scores arrive in no order. The radix sort's four passes of 256 buckets branch on nothing but their loop counters,
/// and a pass is skipped when every key has the same byte there (scores of one pool share their sign and exponent bits).
/// The result is the same as <see cref="MemoryExtensions.Sort{T}(Span{T})"/>'s.
/// </remarks>
internal static class CandidateKeySort
{
    private const int Buckets = 256;

    /// <summary>Sorts <paramref name="keys"/> ascending.</summary>
    /// <param name="keys">Distinct keys.</param>
    /// <param name="scratch">Working storage at least as long as <paramref name="keys"/>.</param>
    public static void Sort(Span<ulong> keys, Span<ulong> scratch)
    {
        int n = keys.Length;
        if (n < 2)
            return;
        if (scratch.Length < n)
            throw new ArgumentException($"Scratch ({scratch.Length}) is shorter than the keys ({n}).", nameof(scratch));
        Span<int> counts = stackalloc int[4 * Buckets];
        counts.Clear();
        foreach (ulong key in keys)
        {
            uint score = (uint)(key >> 32);
            counts[(int)(score & 0xFF)]++;
            counts[Buckets + (int)((score >> 8) & 0xFF)]++;
            counts[2 * Buckets + (int)((score >> 16) & 0xFF)]++;
            counts[3 * Buckets + (int)(score >> 24)]++;
        }

        Span<ulong> source = keys, target = scratch[..n];
        for (int pass = 0; pass < 4; pass++)
        {
            var count = counts.Slice(pass * Buckets, Buckets);
            int shift = 32 + 8 * pass;
            if (count[(int)(source[0] >> shift) & 0xFF] == n)
                continue;
            int start = 0;
            for (int b = 0; b < Buckets; b++)
            {
                int c = count[b];
                count[b] = start;
                start += c;
            }
            foreach (ulong key in source)
                target[count[(int)(key >> shift) & 0xFF]++] = key;
            var swap = source;
            source = target;
            target = swap;
        }
        if (source != keys)
            source.CopyTo(keys);

        // Equal scores kept their arrival order: an insertion pass by the whole key puts each run in row order. Keys are
        // already in order between runs, so a key moves only within its run, and a pass over distinct scores is one
        // comparison per key.
        for (int i = 1; i < n; i++)
        {
            ulong key = keys[i];
            int j = i - 1;
            while (j >= 0 && keys[j] > key)
            {
                keys[j + 1] = keys[j];
                j--;
            }
            keys[j + 1] = key;
        }
    }
}
