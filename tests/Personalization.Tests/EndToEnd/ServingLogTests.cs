using System.Net;
using Microsoft.Extensions.Logging;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>
/// At the shipped log levels (the silo's appsettings.json), serving writes no line per request or per activation:
/// a silo activating thousands of new users a second would otherwise spend its CPU and its log store on them.
/// </summary>
public sealed class ServingLogTests
{
    [Fact]
    public async Task Fresh_users_are_served_without_a_log_line_each()
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
