using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Personalization.Client;
using Personalization.Contracts;
using Personalization.Recommender.Experiments;
using Personalization.Storage;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.EndToEnd;

/// <summary>A/B experiments through the gateway: assignment, stickiness, settings, exposure log and the report.</summary>
[Collection(ExperimentSiloCollection.Name)]
public sealed class ExperimentsTests(ExperimentSiloFixture fixture)
{
    private TestSilo Silo => fixture.Silo;

    private static ExperimentDefinition Definition(string id, params (string Name, double Share, ExperimentSettings? Settings)[] variants) =>
        new(id, variants.Select(v => new ExperimentVariant(v.Name, v.Share, v.Settings)).ToList());

    private static string Expected(string id, int epoch, string user, params (string Name, double Share)[] variants) =>
        variants[ExperimentAssignment.Assign(id, epoch, user, variants.Select(v => v.Share).ToArray())].Name;

    private async Task<string> VariantOfAsync(string experiment, string user)
    {
        var response = await Silo.Client.GetRecommendationsAsync(user, 5);
        return Assert.Single(response.Experiments!, e => e.Experiment == experiment).Variant;
    }

    [Fact]
    public async Task Assignment_follows_the_hash_is_named_in_responses_and_sticks_until_a_reassignment()
    {
        const string id = "exp-sticky";
        var created = await Silo.Client.CreateExperimentAsync(Definition(id, ("control", 0.5, null), ("treatment", 0.5, null)));
        Assert.Equal(1, created.Epoch);
        var users = Enumerable.Range(0, 40).Select(i => $"u{i + 1}").ToList();
        foreach (var user in users)
            Assert.Equal(Expected(id, 1, user, ("control", 0.5), ("treatment", 0.5)), await VariantOfAsync(id, user));
        // Rows name the same variant.
        var rows = await Silo.Client.GetRowsAsync(users[0], rows: 3, perRow: 5, device: "web", hour: 20);
        Assert.Contains(rows.Experiments!, e => e.Experiment == id && e.Variant == Expected(id, 1, users[0], ("control", 0.5), ("treatment", 0.5)));
        var before = users.ToDictionary(u => u, u => Expected(id, 1, u, ("control", 0.5), ("treatment", 0.5)));

        // New shares: users already exposed keep their variants; new users follow the new shares.
        var changed = await Silo.Client.ChangeExperimentAsync(id, Definition(id, ("control", 0.1, null), ("treatment", 0.9, null)));
        Assert.Equal(1, changed.Epoch);
        foreach (var user in users) Assert.Equal(before[user], await VariantOfAsync(id, user));
        var newcomers = Enumerable.Range(100, 30).Select(i => $"u{i}").ToList();
        foreach (var user in newcomers)
            Assert.Equal(Expected(id, 1, user, ("control", 0.1), ("treatment", 0.9)), await VariantOfAsync(id, user));
        Assert.Contains(users, u => before[u] != Expected(id, 1, u, ("control", 0.1), ("treatment", 0.9))); // so stickiness was tested

        // Asked to reassign: a new epoch, everyone re-hashed under the new shares.
        var reassigned = await Silo.Client.ChangeExperimentAsync(id, Definition(id, ("control", 0.1, null), ("treatment", 0.9, null)), reassign: true);
        Assert.Equal(2, reassigned.Epoch);
        foreach (var user in users) Assert.Equal(Expected(id, 2, user, ("control", 0.1), ("treatment", 0.9)), await VariantOfAsync(id, user));

        // Every first exposure of an epoch is logged once.
        var store = Silo.Services.GetRequiredService<IExperimentStore>();
        var epoch1 = await store.ReadExposuresAsync(id, 1, default);
        Assert.Equal(users.Count + newcomers.Count, epoch1.Count);
        Assert.Equal(epoch1.Count, epoch1.Select(e => e.UserId).Distinct().Count());
        Assert.Equal(users.Count, (await store.ReadExposuresAsync(id, 2, default)).Count);
        Assert.Contains((await Silo.Client.ListExperimentsAsync()), e => e.Id == id && e.Epoch == 2);
    }

    [Fact]
    public async Task A_variant_s_ranking_settings_shape_the_lists_its_users_get()
    {
        const string id = "exp-explore";
        await Silo.Client.CreateExperimentAsync(Definition(id, ("explore-half", 1.0, new ExperimentSettings(ExplorationShare: 0.5f))));
        var list = await Silo.Client.GetRecommendationsAsync("u7", 20);
        Assert.Equal(10, list.Items.Count(i => i.Reason == "Something different to try"));

        await Silo.Client.ChangeExperimentAsync(id, Definition(id, ("explore-half", 1.0, new ExperimentSettings(ExplorationShare: 0f))));
        list = await Silo.Client.GetRecommendationsAsync("u7", 20);
        Assert.DoesNotContain(list.Items, i => i.Reason == "Something different to try");
        Assert.Equal(20, list.Items.Count);
    }

    [Fact]
    public async Task The_report_counts_what_exposed_users_did_per_variant_with_intervals_tests_and_the_ratio_check()
    {
        const string id = "exp-report";
        await Silo.Client.CreateExperimentAsync(Definition(id, ("a", 0.5, null), ("b", 0.5, null)));
        var users = Enumerable.Range(0, 30).Select(i => $"report-user-{i}").ToList();
        foreach (var user in users) await Silo.Client.GetRowsAsync(user, rows: 2, perRow: 5, device: "web", hour: 20); // exposure
        var variant = users.ToDictionary(u => u, u => Expected(id, 1, u, ("a", 0.5), ("b", 0.5)));

        // User i: 10 impressions, i % 4 clicks, i % 3 plays, one watch of 60·i seconds. Not-exposed users' events must not count.
        var events = new List<InteractionEvent>();
        for (var i = 0; i < users.Count; i++)
        {
            var user = users[i];
            for (var n = 0; n < 10; n++) events.Add(new InteractionEvent { UserId = user, ItemId = $"i{n + 1}", Type = InteractionType.Impression });
            for (var n = 0; n < i % 4; n++) events.Add(new InteractionEvent { UserId = user, ItemId = $"i{n + 1}", Type = InteractionType.Click });
            for (var n = 0; n < i % 3; n++) events.Add(new InteractionEvent { UserId = user, ItemId = $"i{n + 1}", Type = InteractionType.Play });
            events.Add(new InteractionEvent { UserId = user, ItemId = "i1", Type = InteractionType.Watch, Value = 60 * i });
        }
        events.Add(new InteractionEvent { UserId = "never-exposed", ItemId = "i1", Type = InteractionType.Click });
        await Silo.Client.TrackAsync(events);

        var report = await TestSilo.EventuallyAsync(() => Silo.Client.GetExperimentReportAsync(id), r => r.Variants.Sum(v => v.Impressions) == 300,
            TimeSpan.FromSeconds(20), "all impressions in the report");
        Assert.Equal(id, report.Id);
        Assert.Equal(1, report.Epoch);
        foreach (var name in new[] { "a", "b" })
        {
            var members = Enumerable.Range(0, users.Count).Where(i => variant[users[i]] == name).ToList();
            var v = Assert.Single(report.Variants, r => r.Name == name);
            Assert.Equal(members.Count, v.Users);
            Assert.Equal(10L * members.Count, v.Impressions);
            Assert.Equal(members.Sum(i => (long)(i % 4)), v.Clicks);
            Assert.Equal(members.Sum(i => (long)(i % 3)), v.Plays);
            Assert.Equal(members.Sum(i => 60.0 * i), v.WatchSeconds, 6);
            Assert.Equal((double)v.Clicks / v.Impressions, v.Ctr.Estimate!.Value, 9);
            Assert.True(v.Ctr.Low <= v.Ctr.Estimate && v.Ctr.Estimate <= v.Ctr.High);
            Assert.Equal(v.WatchSeconds / v.Users, v.WatchSecondsPerUser.Estimate!.Value, 6);
        }
        var ctr = Assert.Single(report.Comparisons, c => c.Variant == "b" && c.Metric.Contains("ctr", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("a", ctr.Control);
        Assert.InRange(ctr.PValue!.Value, 0, 1);
        Assert.False(string.IsNullOrWhiteSpace(ctr.Test));
        Assert.Equal(1, report.SampleRatio.DegreesOfFreedom);
        Assert.False(string.IsNullOrWhiteSpace(report.SampleRatio.Test));
    }

    [Fact]
    public async Task Bad_definitions_are_400_naming_the_field_and_change_nothing()
    {
        using var http = new HttpClient { BaseAddress = Silo.Address };
        async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        var cases = new (string Body, string Field)[]
        {
            ("""{"id":"bad-1","variants":[{"name":"a","share":0.5},{"name":"b","share":0.4}]}""", "variants"),
            ("""{"id":"bad-2","variants":[{"name":"a","share":0.5},{"name":"a","share":0.5}]}""", "variants[1].name"),
            ("""{"id":"bad-3","variants":[{"name":"a","share":1.0,"settings":{"diversity":2}}]}""", "variants[0].settings.diversity"),
            ("""{"id":"bad-4","variants":[{"name":"a","share":-1}]}""", "variants[0].share"),
            ("""{"id":"","variants":[{"name":"a","share":1}]}""", "id"),
            ("""{"id":"bad-5","variants":[]}""", "variants"),
        };
        foreach (var (body, field) in cases)
        {
            var problem = await ProblemAsync(await http.PostAsync("v1/experiments", new StringContent(body, System.Text.Encoding.UTF8, "application/json")),
                HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{body} names {field}: {problem}");
        }
        Assert.DoesNotContain(await Silo.Client.ListExperimentsAsync(), e => e.Id.StartsWith("bad-", StringComparison.Ordinal));

        await Silo.Client.CreateExperimentAsync(Definition("exp-twice", ("a", 1.0, null)));
        var again = await Assert.ThrowsAsync<PersonalizationApiException>(() => Silo.Client.CreateExperimentAsync(Definition("exp-twice", ("a", 1.0, null))));
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        var missing = await Assert.ThrowsAsync<PersonalizationApiException>(() => Silo.Client.GetExperimentReportAsync("no-such-experiment"));
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        var changeMissing = await Assert.ThrowsAsync<PersonalizationApiException>(
            () => Silo.Client.ChangeExperimentAsync("no-such-experiment", Definition("no-such-experiment", ("a", 1.0, null))));
        Assert.Equal(HttpStatusCode.NotFound, changeMissing.Status);
    }
}
