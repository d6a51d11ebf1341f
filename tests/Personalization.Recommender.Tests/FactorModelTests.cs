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
        var content = new ContentMapping(["tag:a"], new float[3], 3, 1.0);
        var error = Assert.Throws<ArgumentException>(() => new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[2], new double[4], [1f], metrics, content));
        Assert.Equal("content", error.ParamName);
    }

    [Fact]
    public void Content_IsNullUnlessGiven()
    {
        var now = DateTimeOffset.UnixEpoch;
        var metrics = new Dictionary<string, double>();
        var content = new ContentMapping(["tag:a"], [0.5f, -0.5f], 2, 1.0);

        Assert.Null(new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[2], new double[4], [1f], metrics).Content);
        Assert.Same(content, new FactorModel(1, now, now, 2, 1f, 0.1f, ["a"], new float[2], new double[4], [1f], metrics, content).Content);
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
