using System.Text;
using Personalization.Recommender.Reranking;

namespace Personalization.Recommender.Experiments;

/// <summary>
/// Deterministic assignment of users to experiment variants: a 64-bit hash of (experiment, epoch, user) mapped to
/// [0, 1) and cut by the cumulative shares. The same inputs give the same variant in every process and on every
/// machine (never <see cref="string.GetHashCode()"/>), and different experiments or epochs hash independently.
/// </summary>
public static class ExperimentAssignment
{
    /// <summary>Uniform in [0, 1): FNV-1a 64 over the UTF-8 of the three parts, finished by SplitMix64's mixer.</summary>
    public static double Bucket(string experimentId, int epoch, string userId)
    {
        ArgumentNullException.ThrowIfNull(experimentId);
        ArgumentNullException.ThrowIfNull(userId);
        var hash = 14695981039346656037UL;
        hash = Fnv(hash, experimentId);
        hash = Fnv((hash ^ 0x1F) * 1099511628211UL, epoch.ToString(System.Globalization.CultureInfo.InvariantCulture));
        hash = Fnv((hash ^ 0x1F) * 1099511628211UL, userId);
        // FNV-1a alone leaves the low and high bits of similar ids correlated; the mixer spreads every input bit.
        var mixed = SplitMix64.Mix(hash, 0x5EED);
        return (mixed >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>Index of the variant whose cumulative share range holds <paramref name="bucket"/>; shares are normalized by their sum.</summary>
    /// <exception cref="ArgumentException">No shares, or a share that is not finite and positive.</exception>
    public static int Choose(ReadOnlySpan<double> shares, double bucket)
    {
        if (shares.Length == 0) throw new ArgumentException("At least one share is required.", nameof(shares));
        double total = 0;
        foreach (var share in shares)
        {
            if (!(share > 0) || !double.IsFinite(share)) throw new ArgumentException($"Shares must be finite and positive, not {share}.", nameof(shares));
            total += share;
        }
        var target = bucket * total;
        double cumulative = 0;
        for (var i = 0; i < shares.Length; i++)
        {
            cumulative += shares[i];
            if (target < cumulative) return i;
        }
        return shares.Length - 1; // rounding at the top end
    }

    /// <summary>The variant of <paramref name="userId"/>: <see cref="Choose"/> of <see cref="Bucket"/>.</summary>
    public static int Assign(string experimentId, int epoch, string userId, ReadOnlySpan<double> shares) =>
        Choose(shares, Bucket(experimentId, epoch, userId));

    private static ulong Fnv(ulong hash, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var bytes = Encoding.UTF8.GetByteCount(text) <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes) hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }
}
