using Personalization.Grains.Signals;
using Personalization.Storage;
using Personalization.Trainer.Training;

namespace Personalization.Tests.Trainer;

public class TrainingDataTests
{
    private static InteractionRecord Play(string user, string item, long seconds) =>
        new($"k:{user}:{item}:{seconds}", user, item, "play", null, DateTimeOffset.FromUnixTimeSeconds(seconds));

    [Fact]
    public async Task Each_pair_carries_the_time_it_was_first_seen_whatever_the_event_order()
    {
        InteractionRecord[] records =
        [
            Play("a", "x", 300), Play("a", "y", 100), Play("b", "x", 50),
            Play("a", "x", 200), // an earlier repeat of (a, x) read later
            Play("b", "x", 900),
        ];
        var data = await TrainingData.BuildAsync(records.ToAsyncEnumerable(), SignalPolicy.Default, CancellationToken.None);

        Assert.Equal(data.Matrix.NonZeros, data.FirstSeen.Length);
        var firstSeen = new Dictionary<(string, string), long>();
        for (var u = 0; u < data.Matrix.Rows; u++)
        {
            var columns = data.Matrix.RowColumns(u);
            for (var j = 0; j < columns.Length; j++)
                firstSeen[(data.UserIds[u], data.ItemIds[columns[j]])] = data.FirstSeen[data.Matrix.RowPointers[u] + j];
        }
        Assert.Equal(200, firstSeen[("a", "x")]);
        Assert.Equal(100, firstSeen[("a", "y")]);
        Assert.Equal(50, firstSeen[("b", "x")]);
    }

    [Fact]
    public async Task The_order_matrix_numbers_each_users_items_by_when_they_were_first_seen()
    {
        InteractionRecord[] records =
        [
            Play("a", "z", 400), Play("a", "x", 300), Play("a", "y", 100), Play("b", "y", 70), Play("b", "x", 50),
            Play("a", "x", 200), // an earlier repeat of (a, x) read later: x is a's second item, not its third
            Play("c", "x", 10), Play("c", "y", 10), // a tie: the lower item row first
        ];
        var data = await TrainingData.BuildAsync(records.ToAsyncEnumerable(), SignalPolicy.Default, CancellationToken.None);

        var order = data.Order;
        Assert.Same(order, data.InputFor("sasrec"));
        Assert.Same(data.Matrix, data.InputFor("als"));
        Assert.Same(data.Ratings, data.InputFor("mf"));
        Assert.Equal(data.Matrix.RowPointers, order.RowPointers);
        Assert.Equal(data.Matrix.ColumnIndices, order.ColumnIndices);
        string Sequence(string user)
        {
            var row = Array.IndexOf(data.UserIds, user);
            var columns = order.RowColumns(row).ToArray();
            var places = order.RowWeights(row).ToArray();
            Array.Sort(places, columns);
            return string.Concat(columns.Select(c => data.ItemIds[c]));
        }
        Assert.Equal("yxz", Sequence("a"));
        Assert.Equal("xy", Sequence("b"));
        var c = Array.IndexOf(data.UserIds, "c");
        Assert.Equal([1f, 2f], order.RowWeights(c).ToArray());
    }
}
