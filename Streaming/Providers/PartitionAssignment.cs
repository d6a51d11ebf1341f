namespace Personalization.Streaming.Providers;

/// <summary>
/// Which silo reads which partition of a topic: rendezvous (highest-random-weight) hashing with bounded loads. Every
/// silo computes the same owners from the same membership view, and a membership change moves few partitions.
/// </summary>
/// <remarks>
/// <para><b>Why not p mod n.</b> Giving partition p to the (p mod n)-th silo in address order balances perfectly, but
/// when n changes almost every p mod n changes with it: one silo leaving a cluster of n moves about (n − 1)/n of all
/// partitions, so every silo drops and re-reads partitions and their grains move (docs/scale.md has the simulation).</para>
/// <para><b>Rendezvous.</b> Each partition ranks the silos by a hash of (partition, silo) and goes to the best one. A
/// silo leaving moves only its own partitions; a silo joining takes only the partitions that rank it first.</para>
/// <para><b>Bounded loads.</b> Plain rendezvous leaves some silos with far more partitions than others (few partitions
/// per silo make the variance large). So partitions are placed in order, each with the best-ranked silo that still
/// has room: every silo ends with ⌊P/n⌋ or ⌈P/n⌉ partitions, and exactly P mod n of them with the larger count. A
/// change of n can then move a few partitions beyond the departed silo's, where a full silo's overflow cascades.</para>
/// </remarks>
public static class PartitionAssignment
{
    /// <summary>The owner of each partition 0..<paramref name="partitions"/>−1, as an index into <paramref name="silos"/>.</summary>
    /// <param name="partitions">Partitions of the topic.</param>
    /// <param name="silos">Stable names of the active silos (their addresses), in any order: owners depend on the set, not the order.</param>
    /// <returns>The owner index of each partition; empty when there is no silo.</returns>
    public static int[] Assign(int partitions, IReadOnlyList<string> silos)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(partitions);
        ArgumentNullException.ThrowIfNull(silos);
        int n = silos.Count;
        if (n == 0) return [];
        var siloHashes = new ulong[n];
        for (int s = 0; s < n; s++) siloHashes[s] = (uint)Kafka.Murmur2Partitioner.Hash(System.Text.Encoding.UTF8.GetBytes(silos[s]));

        int floor = partitions / n, larger = partitions % n;
        var load = new int[n];
        int atLarger = 0;
        var owners = new int[partitions];
        for (int p = 0; p < partitions; p++)
        {
            // The best-weighted silo with room: below ⌊P/n⌋, or at it while fewer than P mod n silos hold ⌊P/n⌋ + 1.
            // Equal weights (practically never) go by the silo's name, so every silo agrees.
            int best = -1;
            ulong bestWeight = 0;
            for (int s = 0; s < n; s++)
            {
                if (!(load[s] < floor || (load[s] == floor && atLarger < larger))) continue;
                ulong weight = Mix(siloHashes[s] ^ (ulong)p * 0x9E3779B97F4A7C15UL);
                if (best < 0 || weight > bestWeight || (weight == bestWeight && string.CompareOrdinal(silos[s], silos[best]) < 0))
                    (best, bestWeight) = (s, weight);
            }
            if (load[best] == floor) atLarger++;
            load[best]++;
            owners[p] = best;
        }
        return owners;
    }

    // SplitMix64's finalizer: spreads the combined bits so nearby partitions rank silos independently.
    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
