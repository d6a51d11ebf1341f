using Personalization.Contracts;
using Personalization.Grains.Signals;

namespace Personalization.Tests.Grains;

public sealed class SignalPolicyTests
{
    private static readonly SignalPolicy Policy = SignalPolicy.Default;

    [Fact]
    public void A_watch_to_the_end_counts_more_than_one_abandoned_in_the_first_minutes()
    {
        float finished = Policy.Weight(InteractionType.Watch, 5400, durationSeconds: 5600);
        float halfway = Policy.Weight(InteractionType.Watch, 2800, durationSeconds: 5600);
        float abandoned = Policy.Weight(InteractionType.Watch, 120, durationSeconds: 5600);
        Assert.Equal(2f * 5400 / 5600, finished, 4);
        Assert.Equal(1f, halfway, 4);
        Assert.Equal(-0.3f, abandoned);
        // A start then an abandon nets less than a start alone, and far less than a start then a finish.
        float play = Policy.Weight(InteractionType.Play, null);
        Assert.True(play + abandoned < play && play + finished > 2 * play);
    }

    [Fact]
    public void A_short_item_watched_whole_is_finished_not_abandoned()
    {
        Assert.Equal(2f, Policy.Weight(InteractionType.Watch, 240, durationSeconds: 240));
        Assert.True(Policy.Finishes(InteractionType.Watch, 240, 240));
        Assert.False(Policy.Finishes(InteractionType.Watch, 1800, 3600));
    }

    [Theory]
    [InlineData(InteractionType.Rating, 4f, true)]
    [InlineData(InteractionType.Thumbs, -1f, true)]
    [InlineData(InteractionType.Play, null, false)]
    [InlineData(InteractionType.Skip, null, false)]
    public void Ratings_and_thumbs_finish_an_item_a_play_does_not(InteractionType type, float? value, bool finishes) =>
        Assert.Equal(finishes, Policy.Finishes(type, value));

    [Fact]
    public void Negative_signals_push_down()
    {
        Assert.True(Policy.Weight(InteractionType.Skip, null) < 0);
        Assert.True(Policy.Weight(InteractionType.Thumbs, -1) < 0);
        Assert.True(Policy.Weight(InteractionType.Rating, 1) < 0);
    }

    [Theory]
    [InlineData("5400", 5400f)]
    [InlineData("0", null)]
    [InlineData("long", null)]
    public void The_duration_comes_from_the_event_context(string text, float? expected) =>
        Assert.Equal(expected, SignalPolicy.DurationOf(new Dictionary<string, string> { ["duration"] = text }));
}
