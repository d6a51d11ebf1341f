namespace Personalization.Recommender.Tests;

public class FactorModelSerializerTests
{
    private static FactorModel SampleModel()
    {
        const int k = 5;
        string[] ids = ["item-1", "item-2", "élément-3", ""];
        float[] factors = TestData.GaussianFactors(ids.Length, k, seed: 8);
        return new FactorModel(
            version: 42,
            trainedAt: new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1234),
            dataCutoff: new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero),
            factors: k, alpha: 20f, regularization: 0.1f,
            itemIds: ids, itemFactors: factors, gram: GramMatrix.Compute(factors, ids.Length, k),
            itemPopularity: [10f, 0f, 3f, 1f],
            metrics: new Dictionary<string, double> { ["recall@20"] = 0.25, ["ndcg@20"] = 0.125 });
    }

    [Fact]
    public void WriteThenRead_RoundTripsEveryField()
    {
        FactorModel original = SampleModel();
        using var stream = new MemoryStream();

        FactorModelSerializer.Write(original, stream);
        stream.Position = 0;
        FactorModel copy = FactorModelSerializer.Read(stream);

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(original.Version, copy.Version);
        Assert.Equal(original.TrainedAt, copy.TrainedAt);
        Assert.Equal(original.TrainedAt.Offset, copy.TrainedAt.Offset);
        Assert.Equal(original.DataCutoff, copy.DataCutoff);
        Assert.Equal(original.Factors, copy.Factors);
        Assert.Equal(original.Alpha, copy.Alpha);
        Assert.Equal(original.Regularization, copy.Regularization);
        Assert.Equal(original.ItemIds, copy.ItemIds);
        Assert.Equal(original.ItemFactors, copy.ItemFactors);
        Assert.Equal(original.Gram, copy.Gram);
        Assert.Equal(original.ItemPopularity, copy.ItemPopularity);
        Assert.Equal(original.Metrics.OrderBy(p => p.Key), copy.Metrics.OrderBy(p => p.Key));
        Assert.True(copy.TryGetItemIndex("élément-3", out int index));
        Assert.Equal(2, index);
    }

    [Fact]
    public void Write_StartsWithMagicAndVersion()
    {
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(SampleModel(), stream);
        byte[] bytes = stream.ToArray();

        Assert.Equal("PZFM"u8.ToArray(), bytes[..4]);
        Assert.Equal(FactorModelSerializer.FormatVersion, BitConverter.ToInt32(bytes, 4));
    }

    [Fact]
    public void Read_BadMagic_ThrowsInvalidData()
    {
        byte[] bytes = Serialized();
        bytes[0] = (byte)'X';

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes)));
        Assert.Contains("magic", error.Message);
    }

    [Fact]
    public void Read_UnknownFormatVersion_ThrowsInvalidData()
    {
        byte[] bytes = Serialized();
        BitConverter.TryWriteBytes(bytes.AsSpan(4), 99);

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes)));
        Assert.Contains("version 99", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(30)]
    [InlineData(80)]
    [InlineData(1)] // bytes removed from the end
    public void Read_TruncatedStream_ThrowsInvalidData(int keepOrTrim)
    {
        byte[] bytes = Serialized();
        int length = keepOrTrim == 1 ? bytes.Length - 1 : keepOrTrim;

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes, 0, length)));
    }

    private static byte[] Serialized()
    {
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(SampleModel(), stream);
        return stream.ToArray();
    }
}
