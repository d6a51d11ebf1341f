namespace Personalization.Recommender.Tests;

public class FactorModelSerializerTests
{
    private static FactorModel SampleModel(ContentMapping? content = null)
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
            metrics: new Dictionary<string, double> { ["recall@20"] = 0.25, ["ndcg@20"] = 0.125 },
            content: content);
    }

    private static ContentMapping SampleMapping() =>
        new(["genre:Comedy", "tag:pixar", "tag:é"], TestData.GaussianFactors(3, 5, seed: 9), 5, regularization: 2.5);

    // A model written by the format-version-1 writer (before content mappings): k = 2, items "a" and "b".
    private const string Version1Model =
        "UFpGTQEAAAAHAAAAAAAAAIAqH+eSbdwIPAAAAACA/KRxadwIAAAAAAIAAAAAACBBAAAAPwIAAAABYQFiAACAPwAAAEAAAEDAAACAPgAAAAAAACRAAAAA" +
        "AAAAFsAAAAAAAAAWwAAAAAAAQBBAAABAQAAAgD8BAAAABG5kY2cAAAAAAADgPw==";

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
        Assert.Null(copy.Content);
    }

    [Fact]
    public void WriteThenRead_RoundTripsTheContentMapping()
    {
        FactorModel original = SampleModel(SampleMapping());
        using var stream = new MemoryStream();

        FactorModelSerializer.Write(original, stream);
        stream.Position = 0;
        FactorModel copy = FactorModelSerializer.Read(stream);

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(original.ItemFactors, copy.ItemFactors);
        ContentMapping content = Assert.IsType<ContentMapping>(copy.Content);
        Assert.Equal(original.Content!.Features, content.Features);
        Assert.Equal(original.Content.Weights, content.Weights);
        Assert.Equal(5, content.Factors);
        Assert.Equal(2.5, content.Regularization);
        var mapped = new float[5];
        Assert.True(content.TryMap(["tag:é"], mapped));
        Assert.Equal(original.Content.Weights.AsSpan(10, 5).ToArray(), mapped);
    }

    [Fact]
    public void WriteThenRead_RoundTripsTheUserGram_and_version_2_reads_without_it()
    {
        const int k = 5;
        float[] users = TestData.GaussianFactors(7, k, seed: 11);
        FactorModel plain = SampleModel();
        var original = new FactorModel(plain.Version, plain.TrainedAt, plain.DataCutoff, k, plain.Alpha, plain.Regularization, plain.ItemIds,
            plain.ItemFactors, plain.Gram, plain.ItemPopularity, plain.Metrics, userGram: GramMatrix.Compute(users, 7, k), users: 7);
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(original, stream);
        stream.Position = 0;
        FactorModel copy = FactorModelSerializer.Read(stream);
        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(original.UserGram, copy.UserGram);
        Assert.Equal(7, copy.Users);

        // A version-2 file ends after the content mapping's flag (then come the user Gram's, encoder's and sequence's flags).
        byte[] version2 = Serialized();
        BitConverter.TryWriteBytes(version2.AsSpan(4), 2);
        FactorModel old = FactorModelSerializer.Read(new MemoryStream(version2, 0, version2.Length - 3));
        Assert.Null(old.UserGram);
        Assert.Equal(0, old.Users);

        byte[] bad = Serialized();
        bad[^3] = 3;
        Assert.Contains("user Gram flag 3", Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bad))).Message);
        Assert.Throws<ArgumentException>(() => new FactorModel(1, plain.TrainedAt, plain.DataCutoff, k, 1f, 1f, plain.ItemIds, plain.ItemFactors,
            plain.Gram, plain.ItemPopularity, plain.Metrics, userGram: new double[k * k - 1]));
    }

    [Fact]
    public void WriteThenRead_RoundTripsTheNeuralEncoder_and_version_3_reads_without_it()
    {
        FactorModel plain = SampleModel();
        int items = plain.Items, hidden = 6, latent = 3, k = UserEncoder.FactorsFor(latent);
        var encoder = new UserEncoder(items, hidden, latent, k, TestData.GaussianFactors(items, hidden, seed: 21), new float[hidden],
            TestData.GaussianFactors(latent, hidden, seed: 22), [0.5f, -0.5f, 0.25f]);
        float[] rows = TestData.GaussianFactors(items, k, seed: 23);
        var original = new FactorModel(plain.Version, plain.TrainedAt, plain.DataCutoff, k, 0f, 0f, plain.ItemIds, rows,
            GramMatrix.Compute(rows, items, k), plain.ItemPopularity, plain.Metrics, encoder: encoder);
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(original, stream);
        stream.Position = 0;
        FactorModel copy = FactorModelSerializer.Read(stream);
        Assert.Equal(stream.Length, stream.Position);
        var read = Assert.IsType<UserEncoder>(copy.Encoder);
        Assert.Equal((hidden, latent, k), (read.Hidden, read.Latent, read.Factors));
        Assert.Equal(encoder.InputWeights, read.InputWeights);
        Assert.Equal(encoder.MeanWeights, read.MeanWeights);
        Assert.Equal(encoder.MeanBias, read.MeanBias);
        var (a, b) = (new float[k], new float[k]);
        encoder.Encode([0, 2], [1f, 1f], a);
        read.Encode([0, 2], [1f, 1f], b);
        Assert.Equal(a, b);
        Assert.Equal(1f, a[latent]);

        // A version-3 file ends after the user Gram's flag, a version-4 file after the encoder's.
        byte[] version3 = Serialized();
        BitConverter.TryWriteBytes(version3.AsSpan(4), 3);
        Assert.Null(FactorModelSerializer.Read(new MemoryStream(version3, 0, version3.Length - 2)).Encoder);
        byte[] version4 = Serialized();
        BitConverter.TryWriteBytes(version4.AsSpan(4), 4);
        Assert.Null(FactorModelSerializer.Read(new MemoryStream(version4, 0, version4.Length - 1)).Sequence);
        byte[] bad = Serialized();
        bad[^2] = 2;
        Assert.Contains("encoder flag 2", Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bad))).Message);
        bad = Serialized();
        bad[^1] = 2;
        Assert.Contains("sequence flag 2", Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bad))).Message);
        Assert.Throws<ArgumentException>(() => new FactorModel(1, plain.TrainedAt, plain.DataCutoff, plain.Factors, 1f, 1f, plain.ItemIds,
            plain.ItemFactors, plain.Gram, plain.ItemPopularity, plain.Metrics, encoder: encoder));
    }

    [Fact]
    public void Read_Version1_GivesAModelWithoutContentMapping()
    {
        byte[] bytes = Convert.FromBase64String(Version1Model);
        using var stream = new MemoryStream(bytes);

        FactorModel model = FactorModelSerializer.Read(stream);

        Assert.Equal(stream.Length, stream.Position);
        Assert.Equal(7, model.Version);
        Assert.Equal(new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(1)), model.TrainedAt);
        Assert.Equal(TimeSpan.FromHours(1), model.TrainedAt.Offset);
        Assert.Equal(new DateTimeOffset(2024, 5, 1, 0, 0, 0, TimeSpan.Zero), model.DataCutoff);
        Assert.Equal(2, model.Factors);
        Assert.Equal(10f, model.Alpha);
        Assert.Equal(0.5f, model.Regularization);
        Assert.Equal(["a", "b"], model.ItemIds);
        Assert.Equal([1f, 2f, -3f, 0.25f], model.ItemFactors);
        Assert.Equal([10.0, -5.5, -5.5, 4.0625], model.Gram);
        Assert.Equal([3f, 1f], model.ItemPopularity);
        Assert.Equal(0.5, model.Metrics["ndcg"]);
        Assert.Null(model.Content);
    }

    [Fact]
    public void Read_BadContentFlag_ThrowsInvalidData()
    {
        byte[] bytes = Serialized();
        bytes[^4] = 2; // the flag comes just before the user Gram's, encoder's and sequence's flags, the last bytes of a model without any

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes)));
        Assert.Contains("content mapping flag", error.Message);
    }

    [Fact]
    public void Read_RepeatedContentFeature_ThrowsInvalidData()
    {
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(SampleModel(new ContentMapping(["tag:a", "tag:b"], new float[10], 5, 1.0)), stream);
        byte[] bytes = stream.ToArray();
        // The names are followed by 2·5 weights and the user Gram's, encoder's and sequence's flags; turn "tag:b" into "tag:a".
        int last = bytes.Length - 10 * sizeof(float) - 4;
        Assert.Equal((byte)'b', bytes[last]);
        bytes[last] = (byte)'a';

        var error = Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes)));
        Assert.Contains("tag:a", error.Message);
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

    [Theory]
    [InlineData(1)] // in the weights
    [InlineData(20)] // in the weights
    [InlineData(65)] // in the feature names
    [InlineData(75)] // in λ or the feature count
    public void Read_TruncatedContentMapping_ThrowsInvalidData(int trim)
    {
        byte[] bytes = Serialized(SampleMapping());

        Assert.Throws<InvalidDataException>(() => FactorModelSerializer.Read(new MemoryStream(bytes, 0, bytes.Length - trim)));
    }

    private static byte[] Serialized(ContentMapping? content = null)
    {
        using var stream = new MemoryStream();
        FactorModelSerializer.Write(SampleModel(content), stream);
        return stream.ToArray();
    }
}
