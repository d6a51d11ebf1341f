using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Personalization.Recommender;

/// <summary>
/// Arrays of numbers in the little-endian byte order of this project's model files (<see cref="FactorModelSerializer"/>,
/// <see cref="Models.ModelFile"/>): written and read as their raw bytes, swapped through a copy on big-endian hosts.
/// </summary>
internal static class LittleEndianArrays
{
    // Arrays move in pieces of this many elements so no byte span exceeds int.MaxValue, whatever the array size.
    private const int ChunkElements = 1 << 20;

    /// <summary>Writes <paramref name="values"/> as little-endian bytes.</summary>
    public static void Write<T>(BinaryWriter writer, ReadOnlySpan<T> values) where T : unmanaged
    {
        T[]? swapped = BitConverter.IsLittleEndian ? null : new T[Math.Min(values.Length, ChunkElements)];
        for (int start = 0; start < values.Length; start += ChunkElements)
        {
            ReadOnlySpan<T> chunk = values.Slice(start, Math.Min(ChunkElements, values.Length - start));
            if (swapped is not null)
            {
                chunk.CopyTo(swapped);
                ReverseEndianness(swapped.AsSpan(0, chunk.Length));
                chunk = swapped.AsSpan(0, chunk.Length);
            }
            writer.Write(MemoryMarshal.AsBytes(chunk));
        }
    }

    /// <summary>
    /// Reads <paramref name="length"/> values; a seekable stream too short for them fails before anything is allocated.
    /// </summary>
    /// <param name="stream">The stream, positioned at the array.</param>
    /// <param name="length">Values to read.</param>
    /// <param name="format">What the stream holds, for the error (“factor model”, “model file”).</param>
    public static T[] Read<T>(Stream stream, int length, string format) where T : unmanaged
    {
        EnsureRemaining(stream, (long)length * Unsafe.SizeOf<T>(), format);
        var values = new T[length];
        for (int start = 0; start < length; start += ChunkElements)
        {
            Span<T> chunk = values.AsSpan(start, Math.Min(ChunkElements, length - start));
            stream.ReadExactly(MemoryMarshal.AsBytes(chunk));
            if (!BitConverter.IsLittleEndian)
                ReverseEndianness(chunk);
        }
        return values;
    }

    /// <summary>
    /// Fails with <see cref="InvalidDataException"/> when a seekable stream has fewer than <paramref name="bytes"/>
    /// left: a corrupt count is caught before it sizes an allocation. A stream that cannot seek fails at its end instead.
    /// </summary>
    public static void EnsureRemaining(Stream stream, long bytes, string format)
    {
        if (stream.CanSeek && stream.Length - stream.Position < bytes)
            throw new InvalidDataException(
                $"Truncated {format}: {bytes} more bytes are needed but only {stream.Length - stream.Position} remain.");
    }

    private static void ReverseEndianness<T>(Span<T> values) where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() == sizeof(int))
        {
            Span<int> bits = MemoryMarshal.Cast<T, int>(values);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        else if (Unsafe.SizeOf<T>() == sizeof(long))
        {
            Span<long> bits = MemoryMarshal.Cast<T, long>(values);
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        else
        {
            throw new NotSupportedException($"No byte order conversion for {typeof(T)}.");
        }
    }
}
