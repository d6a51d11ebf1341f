namespace Personalization.Recommender.Tests;

public class FactorModelTests
{
    [Fact]
    public void Constructor_RejectsInconsistentLengths()
    {
        var now = DateTimeOffset.UnixEpoch;
        var metrics = new Dictionary<string, double>();
        Assert.Throws<ArgumentException>(() => new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[3], new double[4], [1f], metrics));
        Assert.Throws<ArgumentException>(() => new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[2], new double[3], [1f], metrics));
        Assert.Throws<ArgumentException>(() => new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[2], new double[4], [], metrics));
        Assert.Throws<ArgumentException>(() => new FactorModel(1, now, now, 2, 1f, 0.1f, ["a", "a"], new float[4], new double[4], [1f, 1f], metrics));
    }

    [Fact]
    public void ItemVector_ReturnsTheItemsRow()
    {
        var now = DateTimeOffset.UnixEpoch;
        var model = new FactorModel(1, now, now, 2, 1f, 0.1f, ["a", "b"], [1f, 2f, 3f, 4f], new double[4], [1f, 1f], new Dictionary<string, double>());

        Assert.True(model.TryGetItemIndex("b", out int index));
        Assert.Equal([3f, 4f], model.ItemVector(index).ToArray());
        Assert.False(model.TryGetItemIndex("c", out _));
    }
}
