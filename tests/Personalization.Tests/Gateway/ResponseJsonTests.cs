using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Gateway;

/// <summary>The hot responses are written by source-generated code, whose fast path needs options without converters.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class ResponseJsonTests(SharedSiloFixture fixture)
{
    [Theory]
    [InlineData(typeof(RecommendationsResponse))]
    [InlineData(typeof(RowsResponse))]
    [InlineData(typeof(UserView))]
    public void Hot_responses_come_from_the_generated_context_with_options_it_is_compatible_with(Type type)
    {
        var options = fixture.Silo.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var info = options.GetTypeInfo(type);

        Assert.Equal("GatewayJsonContext", info.OriginatingResolver?.GetType().Name);
        // JsonSerializerContext's compatibility rule: any converter in the options turns the fast path off.
        Assert.Empty(options.Converters);
        Assert.Null(options.Encoder);
        Assert.Same(JsonNamingPolicy.CamelCase, options.PropertyNamingPolicy);
    }

    [Fact]
    public async Task Rows_answers_large_and_small_keep_their_wire_shape()
    {
        // A page far past the 8 KB at which System.Text.Json's async path gives up its fast path, then a small one.
        using var http = new HttpClient { BaseAddress = fixture.Silo.Address };
        foreach (var (rows, perRow) in new[] { (20, 50), (2, 3) })
        {
            using var response = await http.GetAsync($"/v1/users/json-shape/rows?rows={rows}&perRow={perRow}&device=tv&hour=20");
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("utf-8", response.Content.Headers.ContentType?.CharSet);
            var body = await response.Content.ReadAsByteArrayAsync();
            AssertSentWithItsLength(response, body);
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            Assert.Equal("json-shape", root.GetProperty("userId").GetString());
            Assert.True(root.GetProperty("modelVersion").GetInt64() > 0);
            var page = root.GetProperty("rows");
            Assert.InRange(page.GetArrayLength(), 1, rows);
            foreach (var row in page.EnumerateArray())
            {
                Assert.False(string.IsNullOrEmpty(row.GetProperty("id").GetString()));
                Assert.False(string.IsNullOrEmpty(row.GetProperty("title").GetString()));
                Assert.InRange(row.GetProperty("items").GetArrayLength(), 1, perRow);
                foreach (var item in row.GetProperty("items").EnumerateArray())
                    Assert.False(string.IsNullOrEmpty(item.GetProperty("itemId").GetString()));
            }
            ReadsBackAsWritten<RowsResponse>(body);
            if (rows == 20) Assert.True(body.Length > 8192, $"the large page is {body.Length} bytes");
        }
    }

    [Fact]
    public async Task A_recommendations_answer_keeps_its_wire_shape()
    {
        var body = await GetSentWithItsLengthAsync("/v1/users/json-shape/recommendations?k=3");
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        Assert.Equal("json-shape", root.GetProperty("userId").GetString());
        Assert.True(root.GetProperty("modelVersion").GetInt64() > 0);
        var items = root.GetProperty("items");
        Assert.Equal(3, items.GetArrayLength());
        foreach (var item in items.EnumerateArray())
        {
            Assert.False(string.IsNullOrEmpty(item.GetProperty("itemId").GetString()));
            Assert.False(string.IsNullOrEmpty(item.GetProperty("title").GetString()));
            Assert.Equal(JsonValueKind.Number, item.GetProperty("score").ValueKind);
        }
    }

    [Fact]
    public async Task A_user_view_keeps_its_wire_shape()
    {
        var value = ReadsBackAsWritten<UserView>(await GetSentWithItsLengthAsync("/v1/users/json-shape?recent=5"));
        Assert.Equal("json-shape", value.UserId);
    }

    [Fact]
    public async Task A_similar_items_answer_keeps_its_wire_shape()
    {
        var value = ReadsBackAsWritten<SimilarItemsResponse>(await GetSentWithItsLengthAsync("/v1/items/i1/similar?k=5"));
        Assert.Equal(5, value.Items.Count);
        Assert.DoesNotContain(value.Items, item => item.ItemId == "i1");
        Assert.All(value.Items, item => Assert.StartsWith("Similar to ", item.Reason));
    }

    [Fact]
    public async Task An_accepted_events_answer_is_sent_with_its_length()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Address };
        using var content = new StringContent("""[{"userId":"json-shape-events","itemId":"i3","type":"play"},{"userId":"json-shape-events","itemId":"i4","type":"play"}]""",
            System.Text.Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1/events", content);
        var body = await response.Content.ReadAsByteArrayAsync();
        AssertSentWithItsLength(response, body, System.Net.HttpStatusCode.Accepted);
        Assert.Equal(2, JsonSerializer.Deserialize<EventsAccepted>(body, JsonSerializerOptions.Web)!.Accepted);
    }

    /// <summary>The 200 body of a GET on <paramref name="path"/>, after checking it was sent with its length.</summary>
    private async Task<byte[]> GetSentWithItsLengthAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Address };
        using var response = await http.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();
        AssertSentWithItsLength(response, body);
        return body;
    }

    /// <summary>The value in <paramref name="body"/>, after checking the body is the bytes the web defaults write for it.</summary>
    private static T ReadsBackAsWritten<T>(byte[] body)
    {
        var value = JsonSerializer.Deserialize<T>(body, JsonSerializerOptions.Web)!;
        Assert.Equal(JsonSerializer.Serialize(value, JsonSerializerOptions.Web), System.Text.Encoding.UTF8.GetString(body));
        return value;
    }

    /// <summary>
    /// The answer went out with its length, not chunked: one send of headers and body, and no closing chunk for the
    /// client to wait for.
    /// </summary>
    private static void AssertSentWithItsLength(HttpResponseMessage response, byte[] body, System.Net.HttpStatusCode status = System.Net.HttpStatusCode.OK)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotEqual(true, response.Headers.TransferEncodingChunked);
        Assert.Equal(body.Length, response.Content.Headers.ContentLength);
    }
}
