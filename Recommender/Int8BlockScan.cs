using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Personalization.Recommender;

/// <summary>The instruction sets that can run <see cref="Int8BlockScan"/>; all give bit-identical scores.</summary>
internal enum Int8Kernel
{
    /// <summary>Portable scalar loop.</summary>
    Scalar,

    /// <summary>AVX2 <c>vpmaddubsw</c>/<c>vpmaddwd</c>, with the sign moved onto the user operand so nothing saturates.</summary>
    Avx2,

    /// <summary>AVX-VNNI <c>vpdpbusd</c>: four u8×s8 products summed into each int32 lane in one instruction.</summary>
    AvxVnni,

    /// <summary>
    /// AVX-512BW <c>vpmaddubsw</c>/<c>vpmaddwd</c> on a whole group (16 items) per instruction, the unsigned item codes
    /// against user codes limited to ±64 (<see cref="Int8BlockScan.UserCodeLimit"/>) so no pair saturates.
    /// </summary>
    Avx512,
}

/// <summary>
/// Scores int8 item codes against an int8 user vector, 16 items per block, and offers the scores to a
/// <see cref="CandidateCollector"/> as it goes, so no per-item score array is written or read back.
/// </summary>
/// <remarks>
/// <para>Block layout (<see cref="BlockBytes"/>): 16 float32 item scales (64 bytes), then for each group of four
/// dimensions 64 bytes holding those four codes of item 0, then of item 1, … of item 15. A group is one cache line
/// and, read as a vector, each int32 lane holds one item's four codes: multiply-adding it with the user's four codes
/// broadcast to every lane accumulates 8 (AVX2 halves) items' partial dot products with no horizontal reduction.
/// The scan reads the blocks once, front to back, which the hardware prefetcher streams.</para>
/// <para>Codes are stored offset by +128 as unsigned bytes (value q ∈ [−127, 127] stored as q + 128): VNNI multiplies
/// unsigned by signed bytes, and with the items unsigned the offset costs one per-query constant,
/// 128·Σ user codes, subtracted once per block instead of a per-item correction.</para>
/// <para>Every kernel computes the exact integer Σ q_item·q_user (no saturation: |sum| ≤ k·127²), then the same
/// float conversion and scale multiply, so all give the same bits and the tests can compare them.</para>
/// <para>A block's scores go to the sink with one comparison against its threshold; only blocks with a winner call it.
/// The AVX-512 kernel gathers a search's winners in a <see cref="LaneStage"/> instead, with no branch per block, and
/// offers them in batches (<see cref="IScoreSink.TakesBatches"/>).</para>
/// </remarks>
internal static class Int8BlockScan
{
    /// <summary>Items per block: one 64-byte cache line per group of four dimensions.</summary>
    public const int BlockItems = 16;

    /// <summary>Bytes of the per-item float scales at the head of a block.</summary>
    public const int ScaleBytes = BlockItems * sizeof(float);

    /// <summary>Bytes of one group of four dimensions for all items of a block.</summary>
    public const int GroupBytes = BlockItems * 4;

    /// <summary>Dimensions are padded to a multiple of this (zero codes) so kernels can take groups two at a time.</summary>
    public const int DimensionMultiple = 8;

    /// <summary>Bytes of one block for <paramref name="groups"/> groups of four dimensions.</summary>
    public static int BlockBytes(int groups) => ScaleBytes + groups * GroupBytes;

    /// <summary>The fastest kernel this machine runs.</summary>
    public static Int8Kernel Best =>
        AvxVnni.IsSupported ? Int8Kernel.AvxVnni
        : Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? Int8Kernel.Avx512
        : Avx2.IsSupported ? Int8Kernel.Avx2 : Int8Kernel.Scalar;

    /// <summary>Whether this machine can run <paramref name="kernel"/>.</summary>
    public static bool IsSupported(Int8Kernel kernel) => kernel switch
    {
        Int8Kernel.AvxVnni => AvxVnni.IsSupported,
        Int8Kernel.Avx2 => Avx2.IsSupported,
        Int8Kernel.Avx512 => Avx512BW.IsSupported,
        _ => true,
    };

    /// <summary>
    /// The largest magnitude of the user codes <paramref name="kernel"/> takes: 127, or 64 for <see cref="Int8Kernel.Avx512"/>,
    /// whose <c>vpmaddubsw</c> adds two products of an unsigned item code (≤ 255) and a user code in 16 bits
    /// (2·255·64 = 32,640 fits; 2·255·127 would saturate). AVX-512 has no <c>vpsignb</c> to move the sign as the AVX2
    /// kernel does. The coarser user codes only reorder near-ties of the candidate scan, which the exact re-score undoes.
    /// Every kernel gives the scalar kernel's bits for the same user codes.
    /// </summary>
    public static int UserCodeLimit(Int8Kernel kernel) => kernel == Int8Kernel.Avx512 ? 64 : 127;

    /// <summary>
    /// Scores every item: score = (Σ_d q_item[d]·q_user[d]) · item scale, offered to <paramref name="collector"/> in
    /// row order. The user's own scale is left out: it is positive and common to all items, so it cannot change the
    /// ranking.
    /// </summary>
    /// <param name="kernel">A supported kernel.</param>
    /// <param name="blocks">The blocks, ⌈itemCount / 16⌉ of <see cref="BlockBytes"/> each.</param>
    /// <param name="itemCount">Real items; lanes past it in the last block are padding and never offered.</param>
    /// <param name="userGroups">The user's codes, four signed bytes per int, one int per group; an even count.</param>
    /// <param name="collector">Receives the scores: the candidate collector of a search, or every score.</param>
    public static void Scan<TSink>(Int8Kernel kernel, scoped ReadOnlySpan<byte> blocks, int itemCount, scoped ReadOnlySpan<int> userGroups,
        ref TSink collector) where TSink : struct, IScoreSink, allows ref struct
    {
        int groups = userGroups.Length;
        int blockCount = (itemCount + BlockItems - 1) / BlockItems;
        if (groups % 2 != 0 || (long)blockCount * BlockBytes(groups) > blocks.Length)
            throw new ArgumentException("Blocks and user codes do not match.", nameof(blocks));
        ref byte first = ref MemoryMarshal.GetReference(blocks);
        ref int user = ref MemoryMarshal.GetReference(userGroups);
        switch (kernel)
        {
            case Int8Kernel.AvxVnni when AvxVnni.IsSupported:
                ScanAvxVnni(ref first, itemCount, groups, ref user, ref collector);
                break;
            case Int8Kernel.Avx2 when Avx2.IsSupported:
                ScanAvx2(ref first, itemCount, groups, ref user, ref collector);
                break;
            case Int8Kernel.Avx512 when Avx512BW.IsSupported:
                ScanAvx512(ref first, itemCount, groups, ref user, ref collector);
                break;
            case Int8Kernel.Scalar:
                ScanScalar(blocks, itemCount, groups, userGroups, ref collector);
                break;
            default:
                throw new PlatformNotSupportedException($"{kernel} is not supported on this machine.");
        }
    }

    // Lanes of block b that hold real items.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint ValidLanes(int itemCount, int firstRow)
    {
        int remaining = itemCount - firstRow;
        return remaining >= BlockItems ? 0xFFFFu : (1u << remaining) - 1;
    }

    // 128·Σ u: what the +128 of the stored codes adds to every item's sum against these user codes.
    // Sixteen codes per step, widened to 32 bits: a byte-at-a-time loop was 1% of a pool search.
    private static int StoredOffset(ref int user, int groups)
    {
        var codes = MemoryMarshal.Cast<int, sbyte>(MemoryMarshal.CreateReadOnlySpan(ref user, groups));
        var sums = Vector128<int>.Zero;
        int i = 0;
        for (; i + Vector128<sbyte>.Count <= codes.Length; i += Vector128<sbyte>.Count)
        {
            var (low, high) = Vector128.Widen(Vector128.Create(codes.Slice(i, Vector128<sbyte>.Count)));
            var (first, second) = Vector128.Widen(low + high);
            sums += first + second;
        }
        int total = Vector128.Sum(sums);
        for (; i < codes.Length; i++)
            total += codes[i];
        return 128 * total;
    }

    private static void ScanAvxVnni<TSink>(ref byte blocks, int itemCount, int groups, ref int user, ref TSink collector)
        where TSink : struct, IScoreSink, allows ref struct
    {
        int blockBytes = BlockBytes(groups);
        int blockCount = (itemCount + BlockItems - 1) / BlockItems;
        // Codes are q + 128, so each lane accumulates Σ q·u + 128·Σ u; the second term is the same for every item.
        var offset = Vector256.Create(StoredOffset(ref user, groups));
        var threshold = Vector256.Create(collector.Threshold);
        for (int b = 0; b < blockCount; b++)
        {
            ref byte block = ref Unsafe.Add(ref blocks, (nint)b * blockBytes);
            ref byte codes = ref Unsafe.Add(ref block, ScaleBytes);
            // Four chains (items 0–7 / 8–15 × even / odd groups) so consecutive vpdpbusd do not wait on each other.
            var acc0 = Vector256<int>.Zero;
            var acc1 = Vector256<int>.Zero;
            var acc2 = Vector256<int>.Zero;
            var acc3 = Vector256<int>.Zero;
            for (int g = 0; g < groups; g += 2)
            {
                ref byte pair = ref Unsafe.Add(ref codes, g * GroupBytes);
                var u0 = Vector256.Create(Unsafe.Add(ref user, g)).AsSByte();
                var u1 = Vector256.Create(Unsafe.Add(ref user, g + 1)).AsSByte();
                acc0 = AvxVnni.MultiplyWideningAndAdd(acc0, Vector256.LoadUnsafe(ref pair), u0);
                acc1 = AvxVnni.MultiplyWideningAndAdd(acc1, Vector256.LoadUnsafe(ref pair, 32), u0);
                acc2 = AvxVnni.MultiplyWideningAndAdd(acc2, Vector256.LoadUnsafe(ref pair, 64), u1);
                acc3 = AvxVnni.MultiplyWideningAndAdd(acc3, Vector256.LoadUnsafe(ref pair, 96), u1);
            }
            ref float scales = ref Unsafe.As<byte, float>(ref block);
            var low = Vector256.ConvertToSingle(acc0 + acc2 - offset) * Vector256.LoadUnsafe(ref scales);
            var high = Vector256.ConvertToSingle(acc1 + acc3 - offset) * Vector256.LoadUnsafe(ref scales, 8);
            Offer(ref collector, ref threshold, itemCount, b * BlockItems, low, high);
        }
    }

    private static void ScanAvx2<TSink>(ref byte blocks, int itemCount, int groups, ref int user, ref TSink collector)
        where TSink : struct, IScoreSink, allows ref struct
    {
        int blockBytes = BlockBytes(groups);
        int blockCount = (itemCount + BlockItems - 1) / BlockItems;
        var bias = Vector256.Create((byte)0x80);
        var ones = Vector256.Create((short)1);
        var threshold = Vector256.Create(collector.Threshold);
        for (int b = 0; b < blockCount; b++)
        {
            ref byte block = ref Unsafe.Add(ref blocks, (nint)b * blockBytes);
            ref byte codes = ref Unsafe.Add(ref block, ScaleBytes);
            var acc0 = Vector256<int>.Zero;
            var acc1 = Vector256<int>.Zero;
            for (int g = 0; g < groups; g++)
            {
                ref byte group = ref Unsafe.Add(ref codes, g * GroupBytes);
                var u = Vector256.Create(Unsafe.Add(ref user, g)).AsSByte();
                // vpmaddubsw multiplies unsigned by signed bytes and saturates pairs at ±32767: with |q| and the user
                // code carrying q's sign (vpsignb), each pair is at most 2·127·127 = 32258, and the product is exact.
                var q0 = (Vector256.LoadUnsafe(ref group) ^ bias).AsSByte();
                var q1 = (Vector256.LoadUnsafe(ref group, 32) ^ bias).AsSByte();
                acc0 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(q0), Avx2.Sign(u, q0)), ones);
                acc1 += Avx2.MultiplyAddAdjacent(Avx2.MultiplyAddAdjacent(Avx2.Abs(q1), Avx2.Sign(u, q1)), ones);
            }
            ref float scales = ref Unsafe.As<byte, float>(ref block);
            var low = Vector256.ConvertToSingle(acc0) * Vector256.LoadUnsafe(ref scales);
            var high = Vector256.ConvertToSingle(acc1) * Vector256.LoadUnsafe(ref scales, 8);
            Offer(ref collector, ref threshold, itemCount, b * BlockItems, low, high);
        }
    }

    private static void ScanAvx512<TSink>(ref byte blocks, int itemCount, int groups, ref int user, ref TSink collector)
        where TSink : struct, IScoreSink, allows ref struct
    {
        if (collector.TakesBatches)
        {
            ScanAvx512Staged(ref blocks, itemCount, groups, ref user, ref collector);
            return;
        }
        int blockBytes = BlockBytes(groups);
        int blockCount = (itemCount + BlockItems - 1) / BlockItems;
        // As in the VNNI kernel, codes are q + 128: each lane holds Σ q·u + 128·Σ u, the second term common to all items.
        var offset = Vector512.Create(StoredOffset(ref user, groups));
        var threshold = Vector256.Create(collector.Threshold);
        for (int b = 0; b < blockCount; b++)
        {
            var scores = BlockScoresAvx512(ref Unsafe.Add(ref blocks, (nint)b * blockBytes), groups, ref user, offset);
            Offer(ref collector, ref threshold, itemCount, b * BlockItems, scores.GetLower(), scores.GetUpper());
        }
    }

    // Passing rows go through a LaneStage: no branch or call per block.
    private static void ScanAvx512Staged<TSink>(ref byte blocks, int itemCount, int groups, ref int user, ref TSink collector)
        where TSink : struct, IScoreSink, allows ref struct
    {
        int blockBytes = BlockBytes(groups);
        int blockCount = (itemCount + BlockItems - 1) / BlockItems;
        int fullBlocks = itemCount / BlockItems;
        var offset = Vector512.Create(StoredOffset(ref user, groups));
        var threshold = Vector512.Create(collector.Threshold);
        LaneStage stage = default;
        for (int b = 0; b < blockCount; b++)
        {
            var scores = BlockScoresAvx512(ref Unsafe.Add(ref blocks, (nint)b * blockBytes), groups, ref user, offset);
            var rows = Vector512<int>.Indices + Vector512.Create(b * BlockItems);
            var passed = Vector512.GreaterThan(scores, threshold);
            if (b >= fullBlocks)
                passed &= Vector512.LessThan(rows, Vector512.Create(itemCount)).AsSingle();
            stage.Add(ref collector, ref threshold, scores, rows, passed);
        }
        stage.Flush(ref collector);
    }

    // One block's 16 approximate scores: one group (four dimensions of all 16 items) per register, two chains for even
    // and odd groups.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BlockScoresAvx512(ref byte block, int groups, ref int user, Vector512<int> offset)
    {
        ref byte codes = ref Unsafe.Add(ref block, ScaleBytes);
        var ones = Vector512.Create((short)1);
        var acc0 = Vector512<int>.Zero;
        var acc1 = Vector512<int>.Zero;
        for (int g = 0; g < groups; g += 2)
        {
            ref byte pair = ref Unsafe.Add(ref codes, g * GroupBytes);
            var u0 = Vector512.Create(Unsafe.Add(ref user, g)).AsSByte();
            var u1 = Vector512.Create(Unsafe.Add(ref user, g + 1)).AsSByte();
            acc0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref pair), u0), ones);
            acc1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(Vector512.LoadUnsafe(ref pair, GroupBytes), u1), ones);
        }
        return Vector512.ConvertToSingle(acc0 + acc1 - offset) * Vector512.LoadUnsafe(ref Unsafe.As<byte, float>(ref block));
    }

    // One comparison per 8 items against the collector's threshold; only blocks with a winner leave the loop body.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Offer<TSink>(ref TSink collector, ref Vector256<float> threshold, int itemCount, int firstRow,
        Vector256<float> low, Vector256<float> high) where TSink : struct, IScoreSink, allows ref struct
    {
        uint mask = Vector256.GreaterThan(low, threshold).ExtractMostSignificantBits()
            | (Vector256.GreaterThan(high, threshold).ExtractMostSignificantBits() << 8);
        if (mask == 0)
            return;
        mask &= ValidLanes(itemCount, firstRow);
        if (mask == 0)
            return;
        collector.OfferLanes(firstRow, mask, low, high);
        threshold = Vector256.Create(collector.Threshold);
    }

    private static void ScanScalar<TSink>(scoped ReadOnlySpan<byte> blocks, int itemCount, int groups, scoped ReadOnlySpan<int> userGroups,
        ref TSink collector) where TSink : struct, IScoreSink, allows ref struct
    {
        int blockBytes = BlockBytes(groups);
        var user = MemoryMarshal.Cast<int, sbyte>(userGroups);
        for (int firstRow = 0; firstRow < itemCount; firstRow += BlockItems)
        {
            var block = blocks.Slice(firstRow / BlockItems * blockBytes, blockBytes);
            var scales = MemoryMarshal.Cast<byte, float>(block[..ScaleBytes]);
            int lanes = Math.Min(BlockItems, itemCount - firstRow);
            for (int lane = 0; lane < lanes; lane++)
            {
                int dot = 0;
                for (int g = 0; g < groups; g++)
                {
                    int at = ScaleBytes + g * GroupBytes + lane * 4;
                    for (int j = 0; j < 4; j++)
                        dot += (block[at + j] - 128) * user[g * 4 + j];
                }
                collector.Offer(firstRow + lane, dot * scales[lane]);
            }
        }
    }
}
