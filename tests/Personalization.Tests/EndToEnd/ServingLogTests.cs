using System.Net;
using Microsoft.Extensions.Logging;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// At the shipped log levels (the silo's appsettings.json), serving and applying events write no line per request, event or activation:
/// a silo activating thousands of new users a second would otherwise spend its CPU and its log store on them.
/// </summary>
public sealed class ServingLogTests
{
    [Fact]
    public async Task Fresh_users_are_served_and_their_events_applied_without_a_log_line_each()
    {
        var logs = new CapturingLoggerProvider();
        // The test silo's own Warning minimum is lifted back to the shipped Information, so the levels that decide are
        // appsettings.json's per-category ones.
        await using var silo = await TestSilo.StartAsync(null, builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Logging.AddProvider(logs);
        });
        const int users = 40;
        var before = logs.Messages.Count;
        for (var i = 0; i < users; i++)
        {
            using var response = await silo.Client.Http.GetAsync($"/v1/users/log-fresh-{i}/recommendations?k=5");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        // Their first events through Kafka to the grains, then a home page and similar items each.
        for (var i = 0; i < users; i++)
            await silo.Client.TrackAsync([
                new InteractionEvent { UserId = $"log-fresh-{i}", ItemId = $"i{i + 1}", Type = InteractionType.Play },
                new InteractionEvent { UserId = $"log-fresh-{i}", ItemId = $"i{i + 2}", Type = InteractionType.Rating, Value = 4 },
            ]);
        for (var i = 0; i < users; i++)
        {
            var user = $"log-fresh-{i}";
            await TestSilo.EventuallyAsync(() => silo.Client.GetUserAsync(user), u => u.Interactions == 2, TimeSpan.FromSeconds(30), $"{user}'s events");
            Assert.NotEmpty((await silo.Client.GetRowsAsync(user)).Rows);
            Assert.NotEmpty((await silo.Client.GetSimilarAsync($"i{i + 1}")).Items);
        }
        var during = logs.Messages.Skip(before).ToList();

        // Orleans' placement runs through a Polly resilience pipeline that logs each execution at Information: two
        // lines for every new activation unless its category is held at Warning.
        Assert.DoesNotContain(during, m => m.Category.StartsWith("Polly", StringComparison.Ordinal));
        Assert.True(during.Count < users / 4,
            $"{during.Count} lines for {users} fresh users: {string.Join(" | ", during.Take(5).Select(m => $"{m.Category}: {m.Message}"))}");
        // Information itself still reaches the providers: the start-up lines were logged.
        Assert.Contains(logs.Messages, m => m.Level == LogLevel.Information);
    }
}
