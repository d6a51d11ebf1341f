using System.Diagnostics.Metrics;

namespace Personalization.LoadGenerator;

/// <summary>
/// Collects the in-process silo's <c>user.foldin.duration</c> measurements (meter <c>Personalization.Grains</c>),
/// grouped by the phase that was running when each was recorded.
/// </summary>
public sealed class FoldInListener : IDisposable
{
    /// <summary>The meter of the user grains.</summary>
    public const string MeterName = Grains.Users.UserGrain.MeterName;

    /// <summary>The histogram of fold-in durations (ms).</summary>
    public const string InstrumentName = "user.foldin.duration";

    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, List<double>> _byPhase = [];
    private readonly Lock _lock = new();
    private string _phase = "start-up";

    /// <summary>Starts listening.</summary>
    public FoldInListener()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == MeterName && instrument.Name == InstrumentName) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((_, value, _, _) =>
        {
            lock (_lock)
            {
                if (!_byPhase.TryGetValue(_phase, out var list)) _byPhase[_phase] = list = [];
                if (list.Count < 10_000_000) list.Add(value);
            }
        });
        _listener.Start();
    }

    /// <summary>Attributes later measurements to <paramref name="phase"/>.</summary>
    public void BeginPhase(string phase)
    {
        lock (_lock) _phase = phase;
    }

    /// <summary>The durations recorded during <paramref name="phase"/>.</summary>
    public LatencySummary Summary(string phase)
    {
        lock (_lock) return LatencySummary.Of(_byPhase.TryGetValue(phase, out var list) ? list.ToArray() : []);
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}
