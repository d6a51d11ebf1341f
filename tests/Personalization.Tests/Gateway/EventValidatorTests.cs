using System.Text.Json;
using Personalization.Contracts;
using Personalization.Silo.Gateway;

namespace Personalization.Tests.Gateway;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static (List<InteractionEvent> Events, Dictionary<string, string[]> Errors) Validate(string json) =>
        EventValidator.Validate(JsonDocument.Parse(json).RootElement, 1000, Now);

    [Fact]
    public void A_single_valid_event_is_normalized()
    {
        var (events, errors) = Validate("""{"userId":"u1","itemId":"i1","type":"add_to_list","timestamp":"2026-11-22T10:00:00+02:00","context":{"device":"tv"}}""");
        Assert.Empty(errors);
        var e = Assert.Single(events);
        Assert.Equal(InteractionType.AddToList, e.Type);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 8, 0, 0, TimeSpan.Zero), e.Timestamp);
        Assert.Equal(TimeSpan.Zero, e.Timestamp!.Value.Offset);
        Assert.Equal("tv", e.Context!["device"]);
    }

    [Fact]
    public void A_missing_timestamp_means_now()
    {
        var (events, _) = Validate("""[{"userId":"u1","itemId":"i1","type":"play"}]""");
        Assert.Equal(Now, Assert.Single(events).Timestamp);
    }

    [Theory]
    [InlineData("""{"userId":"u","itemId":"i","type":"rating"}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i","type":"rating","value":5.5}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i","type":"thumbs","value":2}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i","type":"watch","value":"long"}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i","type":"PLAY"}""", "type")]
    [InlineData("""{"userId":42,"itemId":"i","type":"play"}""", "userId")]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","timestamp":"2030-01-01T00:00:00Z"}""", "timestamp")]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","context":[]}""", "context")]
    public void Each_bad_field_is_named(string json, string field)
    {
        var (events, errors) = Validate(json);
        Assert.Empty(events);
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void One_bad_event_rejects_the_batch()
    {
        var (events, errors) = Validate("""[{"userId":"u","itemId":"i","type":"play"},{"userId":"u","itemId":"i","type":"nope"}]""");
        Assert.Empty(events);
        Assert.Equal(["[1].type"], errors.Keys);
    }
}
