using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Personalization.LoadGenerator;

/// <summary>
/// The baseline: a bare Kestrel minimal-API endpoint in this process, on its own free loopback port, that answers
/// <c>GET /v1/users/{userId}/recommendations</c> and <c>GET /v1/users/{userId}/rows</c> with precomputed JSON
/// bodies (no grain, no ranking), each of the size the silo answers that route with.
/// </summary>
public sealed class BareServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private BareServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>Base address.</summary>
    public Uri Address { get; }

    /// <summary>Starts the server answering recommendations with <paramref name="recommendations"/> and rows with <paramref name="rows"/>.</summary>
    public static async Task<BareServer> StartAsync(byte[] recommendations, byte[] rows)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/v1/users/{userId}/recommendations", (string userId) => Results.Bytes(recommendations, "application/json; charset=utf-8"));
        app.MapGet("/v1/users/{userId}/rows", (string userId) => Results.Bytes(rows, "application/json; charset=utf-8"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new BareServer(app, new Uri(address + "/"));
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
