using System.Text.Json;
using Personalization.Grains;
using Personalization.Grains.Streams;
using Personalization.Grains.Users;

namespace Personalization.Tests.Grains;

public sealed class EventIdWindowTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Fact]
    public void An_id_is_applied_once_within_the_window_and_again_after_it()
    {
        var window = new EventIdWindow();
        Assert.True(window.TryAdd("e1", 1_000, Hour, 10));
        Assert.False(window.TryAdd("e1", 2_000, Hour, 10));
        Assert.True(window.TryAdd("e2", 2_000, Hour, 10));
        // Log time, not the clock: an hour of log later the first id is forgotten.
        Assert.True(window.TryAdd("e1", 1_000 + (long)Hour.TotalMilliseconds + 1, Hour, 10));
        Assert.Equal(["e2", "e1"], window.Entries.Select(e => e.Key));
    }

    [Fact]
    public void At_capacity_the_oldest_ids_go_first()
    {
        var window = new EventIdWindow();
        for (var i = 0; i < 5; i++) Assert.True(window.TryAdd($"e{i}", i, Hour, 3));
        Assert.Equal(["e2", "e3", "e4"], window.Entries.Select(e => e.Key));
        Assert.False(window.TryAdd("e3", 10, Hour, 3));
        Assert.True(window.TryAdd("e0", 10, Hour, 3));
    }

    [Fact]
    public void The_window_survives_the_state_round_trip_and_a_replay_decides_as_the_first_pass()
    {
        var state = new UserState();
        long[] times = [100, 200, 300, 300, 400];
        string[] ids = ["a", "b", "a", "c", "b"];
        var first = ids.Select((id, i) => state.EventIds.TryAdd(id, times[i], Hour, 256)).ToArray();
        Assert.Equal([true, true, false, true, false], first);

        var json = JsonSerializer.Serialize(state, GrainsJsonContext.Default.UserState);
        var restored = JsonSerializer.Deserialize(json, GrainsJsonContext.Default.UserState)!;
        Assert.False(restored.EventIds.TryAdd("c", 500, Hour, 256));
        Assert.True(restored.EventIds.TryAdd("d", 500, Hour, 256));

        // A state written before the last two records, then the replay of those two: the same decisions.
        var before = new UserState();
        for (var i = 0; i < 3; i++) before.EventIds.TryAdd(ids[i], times[i], Hour, 256);
        var reloaded = JsonSerializer.Deserialize(JsonSerializer.Serialize(before, GrainsJsonContext.Default.UserState), GrainsJsonContext.Default.UserState)!;
        Assert.Equal(first[3..], ids[3..].Select((id, i) => reloaded.EventIds.TryAdd(id, times[3 + i], Hour, 256)).ToArray());
    }
}
