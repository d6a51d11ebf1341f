using System.Diagnostics;
using Personalization.Tests.Cluster;

namespace Personalization.Tests.Infrastructure;

/// <summary>
/// A throwaway Debian <c>redis-server</c> on a free loopback port, without persistence: the Orleans membership
/// store of the multi-process cluster tests. Stopped on dispose.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Endpoint = $"127.0.0.1:{port}";
    }

    /// <summary><c>host:port</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The server's process id (to pause it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts the server and waits until it is ready. A port probed free can be taken before the server binds it,
    /// so a server that exits during start-up is tried again on another port.
    /// </summary>
    public static async Task<RedisServer> StartAsync()
    {
        var binary = File.Exists("/usr/bin/redis-server") ? "/usr/bin/redis-server"
            : throw new InvalidOperationException("redis-server is missing: scripts/install-deps.sh --postgres installs it.");
        for (var attempt = 1; ; attempt++)
        {
            var port = SiloBinary.FreePort();
            var start = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
                start.ArgumentList.Add(arg);
            var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
            DataReceivedEventHandler onLine = (_, e) =>
            {
                if (e.Data is null) return;
                output.Enqueue(e.Data);
                // Logged once the listening socket is bound; a bind failure exits instead.
                if (e.Data.Contains("Ready to accept connections", StringComparison.Ordinal)) ready.TrySetResult();
            };
            process.OutputDataReceived += onLine;
            process.ErrorDataReceived += onLine;
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            var exited = process.WaitForExitAsync();
            if (await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(20))) == ready.Task)
                return new RedisServer(process, port);
            if (!process.HasExited) process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
            if (attempt == 3)
                throw new InvalidOperationException($"redis-server did not start on port {port}:\n{string.Join('\n', output)}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
