using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Personalization.Client;

namespace Personalization.Tests.Cluster;

/// <summary>The built silo binary (same configuration as this test assembly) run as separate OS processes.</summary>
public static class SiloBinary
{
    /// <summary>Path of Personalization.Silo.dll.</summary>
    public static string Path => Built("Silo", "Personalization.Silo.dll");

    /// <summary>The folder holding Personalization.sln, above the test directory.</summary>
    public static string RepoRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Personalization.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException("Personalization.sln was not found above the test directory.");
        }
    }

    /// <summary>The build configuration of this test assembly (Release or Debug).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{System.IO.Path.DirectorySeparatorChar}Release{System.IO.Path.DirectorySeparatorChar}") ? "Release" : "Debug";

    /// <summary>A built assembly of a project folder, in this test assembly's configuration.</summary>
    public static string Built(string projectFolder, string assembly)
    {
        var dll = System.IO.Path.Combine(RepoRoot, projectFolder, "bin", Configuration, "net10.0", assembly);
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {projectFolder} first: {dll} is missing.");
    }

    /// <summary>A free loopback TCP port.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A child process whose output goes to a log file; killed (hard) on dispose.</summary>
public class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private bool _closed;

    /// <summary>Starts <c>dotnet Personalization.Silo.dll args</c>, with <paramref name="environment"/> added to its environment.</summary>
    protected ChildProcess(string name, IEnumerable<string> args, string logDir, IReadOnlyDictionary<string, string>? environment = null)
    {
        Name = name;
        Directory.CreateDirectory(logDir);
        LogPath = System.IO.Path.Combine(logDir, $"{name}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        start.ArgumentList.Add(SiloBinary.Path);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Name in logs.</summary>
    public string Name { get; }

    /// <summary>The process's output.</summary>
    public string LogPath { get; }

    /// <summary>True while it runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>The process id (to pause it).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Writes a line to the process's standard input.</summary>
    protected void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Called for every output line.</summary>
    protected virtual void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) if (!_closed) _log.WriteLine(line);
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM and wait (graceful stop).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { Kill(); }
    }

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        lock (_log)
        {
            _closed = true;
            _log.Dispose();
        }
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The development broker (<c>Personalization.Silo broker</c>) in its own process.</summary>
public sealed class BrokerProcess : ChildProcess
{
    private readonly TaskCompletionSource<string> _bootstrap = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(string logDir) : base("broker", ["broker"], logDir) { }

    private readonly ConcurrentDictionary<string, TaskCompletionSource> _confirmations = new(StringComparer.Ordinal);

    /// <summary>The bootstrap servers it printed.</summary>
    public string BootstrapServers => _bootstrap.Task.Result;

    /// <summary>Injects a fault (<c>down</c>, <c>stall MS</c>) or clears them (<c>up</c>), and waits for the broker's confirmation.</summary>
    public async Task FaultAsync(string command)
    {
        var confirmed = _confirmations.GetOrAdd(command, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        WriteLine(command);
        await confirmed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _confirmations.TryRemove(command, out _);
    }

    /// <summary>Starts the broker and waits for its bootstrap line.</summary>
    public static async Task<BrokerProcess> StartAsync(string logDir)
    {
        var broker = new BrokerProcess(logDir);
        await broker._bootstrap.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return broker;
    }

    /// <inheritdoc />
    protected override void OnLine(string? line)
    {
        base.OnLine(line);
        if (line?.StartsWith("bootstrap.servers=", StringComparison.Ordinal) == true) _bootstrap.TrySetResult(line["bootstrap.servers=".Length..]);
        if (line?.StartsWith("ok ", StringComparison.Ordinal) == true && _confirmations.TryGetValue(line[3..], out var confirmed)) confirmed.TrySetResult();
    }
}

/// <summary>A silo process.</summary>
public sealed class SiloProcess : ChildProcess
{
    private const string ListeningMarker = "Now listening on: ";
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private PersonalizationClient? _client;

    private SiloProcess(string name, IEnumerable<string> args, string logDir, IReadOnlyDictionary<string, string>? environment)
        : base(name, args, logDir, environment)
    {
    }

    /// <summary>The gateway address (known once the silo has bound its port).</summary>
    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException($"{Name} has not bound its port yet.");

    /// <summary>A client bound to this silo's gateway.</summary>
    public PersonalizationClient Client => _client ?? throw new InvalidOperationException($"{Name} has not bound its port yet.");

    /// <summary>
    /// Starts a silo with <paramref name="args"/> (storage, Kafka, ...) and waits until it serves. The silo binds port 0
    /// and the address comes from its "Now listening on" line: a port probed free beforehand can be taken (by another
    /// silo's Orleans port or an outgoing connection) before the silo binds it.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(string name, string logDir, IEnumerable<string> args, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var silo = new SiloProcess(name, ["--urls", "http://127.0.0.1:0", "--Cluster:SiloId=" + name, .. args], logDir, environment);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(2));
        while (!silo._listening.Task.IsCompleted)
        {
            if (!silo.IsRunning) throw await silo.ExitedAsync();
            if (DateTime.UtcNow > deadline) throw new TimeoutException(
                $"{name} printed no \"{ListeningMarker}\" line in time (Microsoft.Hosting.Lifetime must log at Information); see {silo.LogPath}");
            await Task.WhenAny(silo._listening.Task, Task.Delay(200));
        }
        silo._client = new PersonalizationClient(new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(30) });
        while (!await silo.Client.IsServingAsync())
        {
            if (!silo.IsRunning) throw await silo.ExitedAsync();
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} did not serve in time; see {silo.LogPath}");
            await Task.Delay(200);
        }
        return silo;
    }

    private async Task<Exception> ExitedAsync() =>
        new InvalidOperationException($"{Name} exited during start-up; see {LogPath}:\n{await File.ReadAllTextAsync(LogPath)}");

    /// <inheritdoc />
    protected override void OnLine(string? line)
    {
        base.OnLine(line);
        var at = line?.IndexOf(ListeningMarker, StringComparison.Ordinal) ?? -1;
        if (at >= 0 && Uri.TryCreate(line![(at + ListeningMarker.Length)..].Trim() + "/", UriKind.Absolute, out var address))
            _listening.TrySetResult(address);
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _client?.Http.Dispose();
    }
}
