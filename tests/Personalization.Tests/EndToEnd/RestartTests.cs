using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>A silo restarted on the same data folder keeps every user's state.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Restart_on_the_same_data_folder_keeps_every_users_state()
    {
        var users = Enumerable.Range(0, 40).Select(i => $"restart-{i}").ToList();
        Dictionary<string, UserView> before;
        string dataDir;
        await using (var first = await TestSilo.StartAsync())
        {
            dataDir = first.DataDir;
            var events = users.SelectMany((user, i) => Enumerable.Range(0, 1 + i % 7).Select(j => new InteractionEvent
            {
                UserId = user, ItemId = $"i{1 + (i * 13 + j * 7) % 3000}", Type = j % 3 == 0 ? InteractionType.Watch : InteractionType.Play,
                Value = j % 3 == 0 ? 600 : null,
            })).ToList();
            foreach (var chunk in events.Chunk(50)) await first.Client.TrackAsync(chunk);
            before = [];
            foreach (var (user, i) in users.Select((u, i) => (u, i)))
            {
                before[user] = await TestSilo.EventuallyAsync(() => first.Client.GetUserAsync(user, 100), v => v.Interactions == 1 + i % 7,
                    TimeSpan.FromSeconds(10), $"{user}'s events to apply");
            }
            // A user from the imported history, too.
            before["u1"] = await first.Client.GetUserAsync("u1", 100);
            await first.StopAsync();
        }

        await using var second = await TestSilo.StartAsync(dataDir);
        foreach (var (user, expected) in before)
        {
            var actual = await second.Client.GetUserAsync(user, 100);
            Assert.Equal(expected.Interactions, actual.Interactions);
            Assert.Equal(expected.Recent, actual.Recent);
        }
        // The new broker's log starts at offset 0 again: a new event must count once, not be skipped as "already applied".
        await second.Client.TrackAsync([new InteractionEvent { UserId = users[3], ItemId = "i42", Type = InteractionType.Play }]);
        await TestSilo.EventuallyAsync(() => second.Client.GetUserAsync(users[3]), v => v.Interactions == before[users[3]].Interactions + 1,
            TimeSpan.FromSeconds(5), "the event after the restart to count once");
    }
}
