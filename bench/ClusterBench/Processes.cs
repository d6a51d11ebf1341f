using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;

namespace Personalization.ClusterBench;

/// <summary>Where the built silo is.</summary>
public static class SiloBinary
{
    /// <summary>The repository root: <paramref name="repo"/>, or the first folder holding Personalization.sln above the working directory or this tool.</summary>
    public static string FindRepo(string? repo)
    {
        if (repo is not null)
            return File.Exists(Path.Combine(repo, "Personalization.sln")) ? Path.GetFullPath(repo) : throw new DirectoryNotFoundException($"{repo} holds no Personalization.sln.");
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Personalization.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("Personalization.sln was not found above the working directory; pass --repo DIR.");
    }

    /// <summary>Silo/bin/Release/net10.0/Personalization.Silo.dll under the repository.</summary>
    public static string DllIn(string repo)
    {
        var dll = Path.Combine(repo, "Silo", "bin", "Release", "net10.0", "Personalization.Silo.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build Release first (dotnet build Personalization.sln -c Release): {dll} is missing.");
    }
}

/// <summary><c>dotnet Personalization.Silo.dll args</c> as a child process, output to a log file; killed on dispose.</summary>
public class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private bool _closed;

    /// <summary>Starts the process.</summary>
    protected ChildProcess(string dll, string name, IEnumerable<string> args, string logDir)
    {
        Name = name;
        Directory.CreateDirectory(logDir);
        LogPath = Path.Combine(logDir, $"{name}.log");
        _log = new StreamWriter(LogPath) { AutoFlush = true };
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        _process = new Process { StartInfo = start, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        StartedAt = Stopwatch.GetTimestamp();
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        Pid = _process.Id;
    }

    /// <summary>Name in logs and reports.</summary>
    public string Name { get; }

    /// <summary>OS process id (the dotnet host runs the app in process).</summary>
    public int Pid { get; }

    /// <summary><see cref="Stopwatch"/> timestamp of the start.</summary>
    public long StartedAt { get; }

    /// <summary>The process's output.</summary>
    public string LogPath { get; }

    /// <summary>True while it runs.</summary>
    public bool IsRunning => !_process.HasExited;

    /// <summary>Called for every output line.</summary>
    protected virtual void OnLine(string? line)
    {
        if (line is null) return;
        lock (_log) if (!_closed) _log.WriteLine(line);
    }

    /// <summary>kill -9 (SIGKILL), then wait for the exit.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM (graceful stop: drain, checkpoint, leave), kill -9 after <paramref name="timeout"/>.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); } catch (OperationCanceledException) { Kill(); }
    }

    /// <inheritdoc />
    public virtual async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
        lock (_log)
        {
            _closed = true;
            _log.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}

/// <summary>The development broker (<c>Personalization.Silo broker</c>: librdkafka's mock cluster) in its own process.</summary>
public sealed class BrokerProcess : ChildProcess
{
    private readonly TaskCompletionSource<string> _bootstrap = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private BrokerProcess(string dll, string logDir) : base(dll, "broker", ["broker"], logDir) { }

    /// <summary>The bootstrap servers it printed.</summary>
    public string BootstrapServers => _bootstrap.Task.Result;

    /// <summary>Starts the broker and waits for its <c>bootstrap.servers=</c> line.</summary>
    public static async Task<BrokerProcess> StartAsync(string dll, string logDir)
    {
        var broker = new BrokerProcess(dll, logDir);
        try
        {
            await broker._bootstrap.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await broker.DisposeAsync();
            throw new TimeoutException($"The broker printed no bootstrap.servers line within 30 s; see {broker.LogPath}.");
        }
        return broker;
    }

    /// <inheritdoc />
    protected override void OnLine(string? line)
    {
        base.OnLine(line);
        if (line?.StartsWith("bootstrap.servers=", StringComparison.Ordinal) == true) _bootstrap.TrySetResult(line["bootstrap.servers=".Length..]);
    }
}

/// <summary>A silo process with its gateway on a loopback port it picks itself.</summary>
public sealed class SiloProcess : ChildProcess
{
    private const string ListeningMarker = "Now listening on: ";
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private HttpClient? _http;

    // Port 0: a port probed free beforehand can be taken (by another silo's Orleans port, or an outgoing connection)
    // before the silo binds it; the address comes from Kestrel's "Now listening on" line instead.
    private SiloProcess(string dll, string name, IEnumerable<string> args, string logDir)
        : base(dll, name, ["--urls", "http://127.0.0.1:0", "--Cluster:SiloId=" + name, .. args], logDir)
    {
    }

    /// <summary>The gateway address (known once the silo has bound its port).</summary>
    public Uri Address => _listening.Task.IsCompletedSuccessfully ? _listening.Task.Result : throw new InvalidOperationException($"{Name} has not bound its port yet.");

    /// <summary>A client of the gateway.</summary>
    public HttpClient Http => _http ?? throw new InvalidOperationException($"{Name} has not bound its port yet.");

    /// <summary>Seconds from the process start until <c>/healthz</c> answered 200.</summary>
    public double StartupSeconds { get; private set; }

    /// <summary>Starts a silo and waits until <c>GET /healthz</c> answers 200.</summary>
    public static async Task<SiloProcess> StartAsync(string dll, string name, string logDir, IEnumerable<string> args, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var silo = new SiloProcess(dll, name, args, logDir);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (silo._listening.Task.IsCompleted)
                {
                    silo._http ??= new HttpClient { BaseAddress = silo.Address, Timeout = TimeSpan.FromSeconds(10) };
                    using var response = await silo.Http.GetAsync("healthz");
                    if (response.StatusCode == HttpStatusCode.OK) break;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            if (!silo.IsRunning)
            {
                await silo.DisposeAsync();
                throw new InvalidOperationException($"{name} exited during start-up; see {silo.LogPath}:\n{Tail(silo.LogPath)}");
            }
            if (deadline.Elapsed > timeout)
            {
                await silo.DisposeAsync();
                throw new TimeoutException($"{name} did not serve within {timeout.TotalSeconds:F0} s; see {silo.LogPath}:\n{Tail(silo.LogPath)}");
            }
            try
            {
                await Task.Delay(100, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                await silo.DisposeAsync();
                throw;
            }
        }
        silo.StartupSeconds = Stopwatch.GetElapsedTime(silo.StartedAt).TotalSeconds;
        return silo;
    }

    /// <summary>The cluster as this silo sees it (<c>GET /v1/cluster</c>).</summary>
    public async Task<ClusterView> ViewAsync(CancellationToken cancellationToken = default) =>
        await Http.GetFromJsonAsync<ClusterView>("v1/cluster", cancellationToken) ?? throw new InvalidOperationException("GET /v1/cluster answered null.");

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _http?.Dispose();
    }

    /// <inheritdoc />
    protected override void OnLine(string? line)
    {
        base.OnLine(line);
        var at = line?.IndexOf(ListeningMarker, StringComparison.Ordinal) ?? -1;
        if (at >= 0 && Uri.TryCreate(line![(at + ListeningMarker.Length)..].Trim() + "/", UriKind.Absolute, out var address))
            _listening.TrySetResult(address);
    }

    private static string Tail(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var lines = reader.ReadToEnd().Split('\n');
            return string.Join('\n', lines.TakeLast(30));
        }
        catch (IOException)
        {
            return "(log unreadable)";
        }
    }
}

/// <summary>One silo in <c>GET /v1/cluster</c> (the fields this benchmark reads).</summary>
public sealed record ClusterSilo(string Id, string Status, Dictionary<string, int[]> Partitions, long Lag);

/// <summary>Answer to <c>GET /v1/cluster</c> (the fields this benchmark reads).</summary>
public sealed record ClusterView(string Self, List<ClusterSilo> Silos, Dictionary<string, int[]> UnownedPartitions)
{
    /// <summary>Silos the answering silo takes as alive.</summary>
    public IEnumerable<ClusterSilo> Alive => Silos.Where(s => s.Status == "alive");

    /// <summary>No partition unowned, exactly <paramref name="silos"/> alive, each owning some partitions of every topic.</summary>
    public bool Balanced(int silos) =>
        UnownedPartitions.Values.All(p => p.Length == 0) && Alive.Count() == silos && Alive.All(s => s.Partitions.Values.All(p => p.Length > 0));
}
