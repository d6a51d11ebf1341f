using System.Diagnostics;
using Personalization.Tests.Cluster;
using Personalization.Tests.Infrastructure;

namespace Personalization.Tests.Client;

/// <summary>The <c>personalize</c> CLI as a person runs it, and the SDK as a package.</summary>
[Collection(SharedSiloCollection.Name)]
public sealed class PersonalizeCliTests(SharedSiloFixture fixture)
{
    private static async Task<(int Code, string Out, string Error)> RunAsync(string fileName, params string[] args)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = SiloBinary.RepoRoot };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        return (process.ExitCode, await output, await error);
    }

    private static string Cli => SiloBinary.Built("Client.Cli", "personalize.dll");

    [Fact]
    public async Task Rows_track_and_cluster_work_from_a_terminal_and_bad_input_names_the_option()
    {
        var gateway = fixture.Silo.Address.ToString();
        var rows = await RunAsync("dotnet", Cli, "rows", "u3", "--rows", "3", "--per-row", "4", "--device", "web", "--gateway", gateway);
        Assert.True(rows.Code == 0, rows.Error);
        Assert.Contains("u3 · model v", rows.Out);
        Assert.Contains("[top-picks]", rows.Out);

        var track = await RunAsync("dotnet", Cli, "track", "--user", "cli-user", "--item", "i5", "--type", "play", "--gateway", gateway);
        Assert.True(track.Code == 0, track.Error);
        Assert.Contains("accepted 1", track.Out);
        await TestSilo.EventuallyAsync(() => fixture.Silo.Client.GetUserAsync("cli-user"), u => u.Interactions >= 1, TimeSpan.FromSeconds(10), "the CLI's event");

        var cluster = await RunAsync("dotnet", Cli, "cluster", "--json", "--gateway", gateway);
        Assert.True(cluster.Code == 0, cluster.Error);
        Assert.Contains("\"silos\"", cluster.Out);

        var badType = await RunAsync("dotnet", Cli, "track", "--user", "u", "--item", "i", "--type", "teleport", "--gateway", gateway);
        Assert.Equal(2, badType.Code);
        Assert.Contains("--type must be one of", badType.Error);
        var refused = await RunAsync("dotnet", Cli, "recommend", "u1", "--k", "0", "--gateway", gateway);
        Assert.Equal(1, refused.Code);
        Assert.Contains("400", refused.Error);
        Assert.Contains("k:", refused.Error);
    }

    [Fact]
    public async Task The_sdk_packs_into_a_nuget_package()
    {
        var output = Path.Combine(Path.GetTempPath(), "pz-pack-" + Guid.NewGuid().ToString("N"));
        var pack = await RunAsync("dotnet", "pack", Path.Combine("Client", "Personalization.Client.csproj"), "-c", SiloBinary.Configuration, "--no-build", "-o", output, "-nologo");
        Assert.True(pack.Code == 0, pack.Out + pack.Error);
        var package = Assert.Single(Directory.GetFiles(output, "Personalization.Client.*.nupkg"));
        using var zip = System.IO.Compression.ZipFile.OpenRead(package);
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/Personalization.Client.dll");
        Assert.Contains(zip.Entries, e => e.FullName == "lib/net10.0/Personalization.Client.xml");
        Directory.Delete(output, recursive: true);
    }
}
