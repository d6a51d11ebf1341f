using System.Text;
using Personalization.Streaming.Kafka;

namespace Personalization.Tests.Streaming;

public sealed class Murmur2PartitionerTests
{
    // Vectors from Apache Kafka's UtilsTest.testMurmur2, so placement agrees with Java clients.
    [Theory]
    [InlineData("21", -973932308)]
    [InlineData("foobar", -790332482)]
    [InlineData("a-little-bit-long-string", -985981536)]
    [InlineData("a-little-bit-longer-string", -1486304829)]
    [InlineData("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971)]
    [InlineData("abc", 479470107)]
    public void Hash_matches_kafka(string key, int expected) => Assert.Equal(expected, Murmur2Partitioner.Hash(Encoding.UTF8.GetBytes(key)));

    [Fact]
    public void Partitions_are_in_range_and_spread()
    {
        var counts = new int[12];
        for (var i = 0; i < 12_000; i++) counts[Murmur2Partitioner.Partition($"user-{i}", 12)]++;
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
    }
}
