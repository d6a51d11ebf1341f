using System.Text;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// Kafka's default key partitioner (murmur2, as in the Java client). The runtime computes partitions
/// itself so that producers, silos and clients agree on where a key lives without asking librdkafka.
/// </summary>
public static class Murmur2Partitioner
{
    /// <summary>The partition of <paramref name="key"/> among <paramref name="partitions"/>.</summary>
    public static int Partition(string key, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(partitions);
        return (Hash(key) & 0x7fffffff) % partitions;
    }

    /// <summary>Murmur2 of <paramref name="key"/>'s UTF-8 bytes, encoded on the stack when short.</summary>
    public static int Hash(string key)
    {
        var max = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> buffer = max <= 512 ? stackalloc byte[max] : new byte[max];
        var length = Encoding.UTF8.GetBytes(key, buffer);
        return Hash(buffer[..length]);
    }

    /// <summary>Murmur2 32-bit hash with Kafka's seed.</summary>
    public static int Hash(ReadOnlySpan<byte> data)
    {
        const uint seed = 0x9747b28c;
        const uint m = 0x5bd1e995;
        const int r = 24;
        var length = data.Length;
        var h = seed ^ (uint)length;
        var i = 0;
        for (; i + 4 <= length; i += 4)
        {
            var k = (uint)(data[i] | data[i + 1] << 8 | data[i + 2] << 16 | data[i + 3] << 24);
            k *= m; k ^= k >> r; k *= m;
            h *= m; h ^= k;
        }
        switch (length - i)
        {
            case 3: h ^= (uint)data[i + 2] << 16; goto case 2;
            case 2: h ^= (uint)data[i + 1] << 8; goto case 1;
            case 1: h ^= data[i]; h *= m; break;
        }
        h ^= h >> 13; h *= m; h ^= h >> 15;
        return (int)h;
    }
}
