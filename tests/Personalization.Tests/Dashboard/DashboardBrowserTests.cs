using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Personalization.Contracts;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Dashboard;

/// <summary>The dashboard in a real browser (Playwright driving Debian's Chromium) against a running silo.</summary>
public sealed class DashboardBrowserTests
{
    /// <summary>Chromium as STACK.md prescribes: Debian's binary, headless, no sandbox (containers), no background traffic.</summary>
    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) => playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = "/usr/bin/chromium",
        Headless = true,
        Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    [Fact]
    public async Task The_page_shows_the_running_cluster_and_changes_when_events_arrive()
    {
        Assert.True(File.Exists("/usr/bin/chromium"), "Chromium is missing: scripts/install-deps.sh --postgres installs it.");
        await using var silo = await TestSilo.StartAsync();
        await silo.Client.CreateExperimentAsync(new ExperimentDefinition("dashboard-demo",
            [new ExperimentVariant("control", 0.5), new ExperimentVariant("diverse", 0.5, new ExperimentSettings(Diversity: 0.6f))]));
        for (var u = 1; u <= 20; u++) await silo.Client.GetRowsAsync($"u{u}", rows: 3, perRow: 5, device: "web", hour: 20);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        await page.GotoAsync(new Uri(silo.Address, "dashboard").ToString());

        var snapshot = await silo.Client.Http.GetFromJsonAsync<JsonElement>("v1/dashboard");
        var siloId = snapshot.GetProperty("silo").GetString()!;
        var version = snapshot.GetProperty("modelVersion").GetInt64();
        var expect = Assertions.Expect(page.GetByTestId("silo"));
        await expect.ToHaveTextAsync(siloId, new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("model-version")).ToHaveTextAsync($"v{version}");
        await Assertions.Expect(page.GetByTestId("phase")).ToHaveTextAsync("serving");
        // The partition table lists this silo with all 12 interaction partitions.
        var siloRow = page.GetByTestId("silos").Locator("tbody tr").First;
        await Assertions.Expect(siloRow).ToContainTextAsync("alive");
        await Assertions.Expect(siloRow).ToContainTextAsync("0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11");
        await Assertions.Expect(page.GetByTestId("models").Locator("tbody tr").First).ToContainTextAsync($"v{version}");
        await Assertions.Expect(page.GetByTestId("experiments")).ToContainTextAsync("dashboard-demo");
        await Assertions.Expect(page.GetByTestId("experiments")).ToContainTextAsync("diverse 50%");
        await Assertions.Expect(page.GetByTestId("requests-per-second")).Not.ToHaveTextAsync("0.0", new() { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("latency-p99")).ToContainTextAsync("ms");
        await Assertions.Expect(page.GetByTestId("activations")).Not.ToHaveTextAsync("0"); // the 20 users' grains
        await Assertions.Expect(page.GetByTestId("errors-per-second")).ToHaveTextAsync("0.00");

        // Events arrive: the consumed-events counter on the page grows by at least what was sent.
        var before = long.Parse((await page.GetByTestId("events-total").InnerTextAsync()).Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        var events = Enumerable.Range(0, 300).Select(i => new InteractionEvent { UserId = $"dash-{i % 30}", ItemId = $"i{1 + i % 40}", Type = InteractionType.Play }).ToList();
        Assert.Equal(300, await silo.Client.TrackAsync(events));
        await page.WaitForFunctionAsync(
            "min => Number(document.querySelector('[data-testid=\"events-total\"]').textContent.replace(/,/g, '')) >= min",
            before + 300, new PageWaitForFunctionOptions { Timeout = 15_000 });
        await Assertions.Expect(page.GetByTestId("events-per-second")).Not.ToHaveTextAsync("0.0", new() { Timeout = 15_000 });
        Assert.Equal("", await page.GetByTestId("status").InnerTextAsync());

        if (Environment.GetEnvironmentVariable("DASHBOARD_SCREENSHOT") is { Length: > 0 } path)
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });

        // Orleans' own dashboard, on the same port: it renders this silo and the user grains it hosts.
        var orleans = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1366, Height = 768 } });
        await orleans.GotoAsync(new Uri(silo.Address, "dashboard/orleans/").ToString());
        await Assertions.Expect(orleans).ToHaveTitleAsync("Orleans Dashboard");
        await orleans.GotoAsync(new Uri(silo.Address, "dashboard/orleans/#/grains").ToString());
        await orleans.WaitForFunctionAsync("() => document.body.innerText.includes('UserGrain')", null, new PageWaitForFunctionOptions { Timeout = 20_000 });
        if (Environment.GetEnvironmentVariable("ORLEANS_DASHBOARD_SCREENSHOT") is { Length: > 0 } orleansPath)
            await orleans.ScreenshotAsync(new PageScreenshotOptions { Path = orleansPath, FullPage = true });
    }
}
