using System.Text;
using Personalization.Recommender.Models;

namespace Personalization.Recommender.Tests;

public class ModelFileTests
{
    public static TheoryData<string> Models => new() { "popularity", "ease", "mf" };

    [Theory]
    [MemberData(nameof(Models))]
    public void ReadOfWrite_ScoresExactlyLikeTheOriginal(string name)
    {
        InteractionMatrix matrix = EaseTests.RandomMatrix(60, 25, seed: 11);
        IRecommenderModel original = Train(name, matrix);

        IRecommenderModel copy = RoundTrip(original);

        Assert.Equal(original.GetType(), copy.GetType());
        Assert.Equal(name, copy.Name);
        Assert.Equal(original.Items, copy.Items);
        Assert.Equal(original.Parameters.OrderBy(p => p.Key), copy.Parameters.OrderBy(p => p.Key));
        var expected = new float[original.Items];
        var actual = new float[copy.Items];
        for (int u = 0; u < 10; u++)
        {
            original.Score(matrix.RowColumns(u), matrix.RowWeights(u), expected);
            copy.Score(matrix.RowColumns(u), matrix.RowWeights(u), actual);
            Assert.Equal(expected, actual);
        }
    }

    [Fact]
    public void ReadOfWrite_KeepsEveryArrayOfTheBiasedMfModel()
    {
        var original = new BiasedMfTrainer(new BiasedMfOptions { Factors = 5, Epochs = 3 }).Fit(BiasedMfTests.Synthetic(seed: 12).Train);

        var copy = Assert.IsType<BiasedMfModel>(RoundTrip(original));

        Assert.Equal((original.Users, original.Factors, original.GlobalMean), (copy.Users, copy.Factors, copy.GlobalMean));
        Assert.Equal((original.BiasRegularization, original.FactorRegularization), (copy.BiasRegularization, copy.FactorRegularization));
        Assert.True(original.UserBiases.SequenceEqual(copy.UserBiases));
        Assert.True(original.ItemBiases.SequenceEqual(copy.ItemBiases));
        Assert.True(original.UserFactors.SequenceEqual(copy.UserFactors));
        Assert.True(original.ItemFactors.SequenceEqual(copy.ItemFactors));
        Assert.Equal(original.Predict(3, 7), copy.Predict(3, 7));
    }

    [Fact]
    public void ReadOfWrite_KeepsTheKeptItemsOfTheEaseModel()
    {
        var original = new EaseTrainer(new EaseOptions { MinItemUsers = 22, Regularization = 7 }).Fit(EaseTests.RandomMatrix(60, 25, seed: 13));
        Assert.InRange(original.KeptItems.Length, 1, 24); // some items are left out

        var copy = Assert.IsType<EaseModel>(RoundTrip(original));

        Assert.Equal(original.KeptItems.ToArray(), copy.KeptItems.ToArray());
        Assert.True(original.Weights.SequenceEqual(copy.Weights));
        Assert.Equal((7.0, 22), (copy.Regularization, copy.MinItemUsers));
    }

    [Fact]
    public void Write_StartsWithTheMagicAndFormatVersion()
    {
        using var stream = new MemoryStream();
        ModelFile.Write(Train("popularity", EaseTests.RandomMatrix(5, 3, seed: 14)), stream);

        byte[] bytes = stream.ToArray();
        Assert.Equal("PZPO", Encoding.ASCII.GetString(bytes, 0, 4));
        Assert.Equal(ModelFile.FormatVersion, BitConverter.ToInt32(bytes, 4));
        Assert.Equal(3, BitConverter.ToInt32(bytes, 8));
        Assert.Equal(12 + 3 * sizeof(float), bytes.Length);
    }

    [Fact]
    public void Read_RejectsAnUnknownMagic()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read(new MemoryStream("PZXX\u0001\0\0\0"u8.ToArray())));
        Assert.Contains("PZXX", error.Message);
    }

    [Fact]
    public void Read_RejectsAnotherFormatVersion()
    {
        byte[] bytes = Serialize(Train("ease", EaseTests.RandomMatrix(10, 4, seed: 15)));
        bytes[4] = 99;

        var error = Assert.Throws<InvalidDataException>(() => ModelFile.Read(new MemoryStream(bytes)));
        Assert.Contains("99", error.Message);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Read_RejectsATruncatedFile(string name)
    {
        byte[] bytes = Serialize(Train(name, EaseTests.RandomMatrix(20, 8, seed: 16)));

        foreach (int length in new[] { 2, 6, 10, bytes.Length / 2, bytes.Length - 1 })
            Assert.Throws<InvalidDataException>(() => ModelFile.Read(new MemoryStream(bytes, 0, length)));
    }

    [Fact]
    public void Write_RejectsAModelWithoutAFormat()
    {
        Assert.Throws<NotSupportedException>(() => ModelFile.Write(new UnknownModel(), new MemoryStream()));
    }

    private static IRecommenderModel Train(string name, InteractionMatrix matrix) => name switch
    {
        "popularity" => new PopularityTrainer().Fit(matrix),
        "ease" => new EaseTrainer(new EaseOptions { MinItemUsers = 1, Regularization = 5 }).Fit(matrix),
        _ => new BiasedMfTrainer(new BiasedMfOptions { Factors = 4, Epochs = 5 }).Fit(matrix),
    };

    private static byte[] Serialize(IRecommenderModel model)
    {
        using var stream = new MemoryStream();
        ModelFile.Write(model, stream);
        return stream.ToArray();
    }

    private static IRecommenderModel RoundTrip(IRecommenderModel model)
    {
        using var stream = new MemoryStream(Serialize(model));
        IRecommenderModel copy = ModelFile.Read(stream);
        Assert.Equal(stream.Length, stream.Position); // nothing left over
        return copy;
    }

    private sealed class UnknownModel : IRecommenderModel
    {
        public string Name => "unknown";
        public int Items => 0;
        public IReadOnlyDictionary<string, double> Parameters { get; } = new Dictionary<string, double>();
        public void Score(ReadOnlySpan<int> items, ReadOnlySpan<float> values, Span<float> scores) { }
    }
}
