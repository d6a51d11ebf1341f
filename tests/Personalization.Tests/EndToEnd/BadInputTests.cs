using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Personalization.Grains;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>Bad input gets 400 problem details naming each bad field, and changes nothing.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class BadInputTests(SharedSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    [Fact]
    public async Task A_batch_with_one_bad_event_is_rejected_whole_and_nothing_reaches_the_topic()
    {
        var before = Silo.TopicSize(StreamTopics.Interactions);
        const string body = """
            [
              {"userId":"bad-batch","itemId":"i1","type":"play"},
              {"userId":"bad-batch","itemId":"i2","type":"stare"},
              {"userId":"","itemId":"i3","type":"rating","value":7},
              {"userId":"bad-batch","type":"watch"},
              {"userId":"bad-batch","itemId":"i4","type":"thumbs","value":0.5,"timestamp":"yesterday"}
            ]
            """;
        using var response = await Silo.Client.Http.PostAsync("v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(new HashSet<string> { "[1].type", "[2].userId", "[2].value", "[3].itemId", "[3].value", "[4].value", "[4].timestamp" }, errors);

        // Give a wrongly written record time to show, then check the log did not grow.
        await Task.Delay(300);
        Assert.Equal(before, Silo.TopicSize(StreamTopics.Interactions));
        var user = await Silo.Client.GetUserAsync("bad-batch");
        Assert.Equal(0, user.Interactions);
    }

    [Theory]
    [InlineData("not json", "$")]
    [InlineData("[]", "$")]
    [InlineData("42", "$")]
    [InlineData("""{"userId":"u","itemId":"i","type":"watch","value":-3}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i","type":"play","context":{"device":7}}""", "context.device")]
    public async Task Malformed_bodies_name_the_problem(string body, string field)
    {
        var before = Silo.TopicSize(StreamTopics.Interactions);
        using var response = await Silo.Client.Http.PostAsync("v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        Assert.Equal(before, Silo.TopicSize(StreamTopics.Interactions));
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 }, "[0].itemId")]              // a two-byte sequence cut short
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "[0].itemId")]        // an encoded UTF-16 surrogate
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0' }, "[0].itemId")] // a lone surrogate escape
    public async Task Text_that_is_not_UTF8_is_a_400_naming_the_field(byte[] bad, string field)
    {
        var before = Silo.TopicSize(StreamTopics.Interactions);
        byte[] body = [.. "[{\"userId\":\"utf8-user\",\"itemId\":\"i"u8, .. bad, .. "\",\"type\":\"play\"}]"u8];
        using var response = await Silo.Client.Http.PostAsync("v1/events", new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
        Assert.Equal(before, Silo.TopicSize(StreamTopics.Interactions));
    }

    [Fact]
    public async Task Too_many_events_and_too_large_bodies_are_refused()
    {
        var events = Enumerable.Range(0, 1001).Select(i => new { userId = "bulk", itemId = $"i{i}", type = "play" });
        using var tooMany = await Silo.Client.Http.PostAsJsonAsync("v1/events", events);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);

        var huge = "[" + string.Join(',', Enumerable.Repeat("""{"userId":"bulk","itemId":"i1","type":"play","context":{"note":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}""", 9000)) + "]";
        // As a client sending a large body should: it waits for the server's go-ahead, so the refusal (sent before the
        // body is read) does not race the upload into a broken pipe.
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/events") { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var tooLarge = await Silo.Client.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal("application/problem+json", tooLarge.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("v1/users/u1/recommendations?k=0", "k")]
    [InlineData("v1/users/u1/recommendations?k=100000", "k")]
    [InlineData("v1/users/u1/rows?rows=0", "rows")]
    [InlineData("v1/users/u1/rows?perRow=500", "perRow")]
    [InlineData("v1/users/u1/rows?device=fridge", "device")]
    [InlineData("v1/items/i1/similar?k=-1", "k")]
    public async Task Out_of_range_parameters_are_400_naming_the_parameter(string path, string field)
    {
        using var response = await Silo.Client.Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name '{field}': {problem}");
    }

    [Fact]
    public async Task Unknown_items_are_404_problems_and_the_openapi_document_is_served()
    {
        using var similar = await Silo.Client.Http.GetAsync("v1/items/no-such-item/similar");
        Assert.Equal(HttpStatusCode.NotFound, similar.StatusCode);
        Assert.Equal("application/problem+json", similar.Content.Headers.ContentType?.MediaType);
        var openapi = await Silo.Client.Http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = openapi.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/events", paths);
        Assert.Contains("/v1/users/{userId}/rows", paths);
        // The answers written by the generated serializer still declare their body.
        foreach (var (path, method, status) in new[]
        {
            ("/v1/users/{userId}/rows", "get", "200"), ("/v1/users/{userId}/recommendations", "get", "200"),
            ("/v1/users/{userId}", "get", "200"), ("/v1/items/{itemId}/similar", "get", "200"), ("/v1/events", "post", "202"),
        })
        {
            var answer = openapi.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses").GetProperty(status);
            Assert.True(answer.GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _), path);
        }
    }
}
