using System.Diagnostics.Metrics;

namespace Personalization.Silo.Dashboard;

/// <summary>
/// The dashboard's live figures, read from the same meters OpenTelemetry exports (ASP.NET Core's
/// <c>http.server.request.duration</c>, the Kafka receivers' <c>kafka.records.received</c>, the user grains' <c>user.foldin.duration</c>)
/// through a <see cref="MeterListener"/>: a ring of one-second buckets over the last minute, each with request and
/// error counts, a log-scale latency histogram and events consumed. Recording is a few interlocked adds.
/// </summary>
public sealed class DashboardMetrics : IDisposable
{
    /// <summary>Seconds kept.</summary>
    public const int Window = 60;

    // Latency buckets: bucket b holds (2^((b-1)/4), 2^(b/4)] × 10 µs; 80 buckets reach ~10 s.
    private const int LatencyBuckets = 80;
    private const double BaseMs = 0.01;

    private readonly Second[] _ring = Enumerable.Range(0, Window).Select(_ => new Second()).ToArray();
    private readonly MeterListener _listener = new();
    private readonly TimeProvider _time;
    private long _eventsTotal, _requestsTotal, _errorsTotal, _deadLettersTotal;

    /// <summary>Starts listening.</summary>
    /// <param name="time">The silo's clock.</param>
    /// <param name="meters">
    /// The silo's meter factory: a listener hears every meter of the process, so ASP.NET Core's request meter is taken
    /// only from this host's factory, not from another host in the same process (tests start several silos in one).
    /// </param>
    public DashboardMetrics(TimeProvider time, IMeterFactory meters)
    {
        _time = time;
        StartedAt = time.GetUtcNow();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name is "http.server.request.duration" && instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Meter.Scope == meters
                || instrument.Name is "kafka.records.received" or "kafka.dead_letters" or "user.foldin.duration")
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.Start();
    }

    /// <summary>When the silo started listening (its start).</summary>
    public DateTimeOffset StartedAt { get; }

    /// <summary>Events consumed since start.</summary>
    public long EventsTotal => Interlocked.Read(ref _eventsTotal);

    /// <summary>Requests answered since start.</summary>
    public long RequestsTotal => Interlocked.Read(ref _requestsTotal);

    /// <summary>5xx answers since start.</summary>
    public long ErrorsTotal => Interlocked.Read(ref _errorsTotal);

    /// <summary>Records this silo's grains could not apply and wrote to the dead-letter topic, since start.</summary>
    public long DeadLettersTotal => Interlocked.Read(ref _deadLettersTotal);

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var second = Current();
        if (instrument.Name == "user.foldin.duration")
        {
            Interlocked.Increment(ref second.FoldIns);
            return;
        }
        // http.server.request.duration, in seconds.
        var status = 0;
        var route = "";
        foreach (var tag in tags)
        {
            if (tag.Key == "http.response.status_code" && tag.Value is int code) status = code;
            else if (tag.Key == "http.route" && tag.Value is string r) route = r;
        }
        // The dashboard's own polling and health probes would dominate a quiet silo's figures (and a starting silo's
        // 503s to its probes are not errors of the service).
        if (route.StartsWith("/v1/dashboard", StringComparison.Ordinal) || route is "/dashboard" or "/healthz") return;
        Interlocked.Increment(ref second.Requests);
        Interlocked.Increment(ref _requestsTotal);
        if (status >= 500) { Interlocked.Increment(ref second.Errors); Interlocked.Increment(ref _errorsTotal); }
        else if (status >= 400) Interlocked.Increment(ref second.ClientErrors);
        Interlocked.Increment(ref second.Latency[Bucket(value * 1000)]);
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if (instrument.Name == "kafka.dead_letters")
        {
            Interlocked.Add(ref _deadLettersTotal, value);
            return;
        }
        if (instrument.Name != "kafka.records.received") return;
        foreach (var tag in tags)
        {
            // Only the interaction log counts as "events" (its repartitioned copies would count each twice).
            if (tag.Key == "topic" && tag.Value is string topic && topic != "interactions") return;
        }
        Interlocked.Add(ref Current().Events, value);
        Interlocked.Add(ref _eventsTotal, value);
    }

    private static int Bucket(double ms)
    {
        if (!(ms > BaseMs)) return 0;
        var b = (int)Math.Ceiling(4 * Math.Log2(ms / BaseMs));
        return Math.Clamp(b, 0, LatencyBuckets - 1);
    }

    private static double UpperMs(int bucket) => BaseMs * Math.Pow(2, bucket / 4.0);

    private Second Current()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var second = _ring[now % Window];
        if (Volatile.Read(ref second.At) != now)
        {
            lock (second)
            {
                if (second.At != now) second.Reset(now);
            }
        }
        return second;
    }

    /// <summary>The figures of the last <paramref name="seconds"/> complete seconds, and per-second series over the window.</summary>
    public DashboardTraffic Snapshot(int seconds = 10)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        long requests = 0, errors = 0, clientErrors = 0, events = 0, foldIns = 0;
        var latency = new long[LatencyBuckets];
        var requestSeries = new long[Window];
        var eventSeries = new long[Window];
        for (var ago = 1; ago <= Window; ago++)
        {
            var at = now - ago;
            var second = _ring[at % Window];
            if (Volatile.Read(ref second.At) != at) continue;
            requestSeries[Window - ago] = second.Requests;
            eventSeries[Window - ago] = second.Events;
            if (ago > seconds) continue;
            requests += second.Requests;
            errors += second.Errors;
            clientErrors += second.ClientErrors;
            events += second.Events;
            foldIns += second.FoldIns;
            for (var b = 0; b < LatencyBuckets; b++) latency[b] += second.Latency[b];
        }
        return new DashboardTraffic(seconds, (double)requests / seconds, (double)errors / seconds, (double)clientErrors / seconds,
            (double)events / seconds, (double)foldIns / seconds,
            Percentile(latency, requests, 0.50), Percentile(latency, requests, 0.90), Percentile(latency, requests, 0.99),
            RequestsTotal, ErrorsTotal, EventsTotal, DeadLettersTotal, requestSeries, eventSeries);
    }

    private static double? Percentile(long[] histogram, long count, double q)
    {
        if (count == 0) return null;
        var rank = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (var b = 0; b < histogram.Length; b++)
        {
            seen += histogram[b];
            if (seen >= rank) return Math.Round(UpperMs(b), 3);
        }
        return Math.Round(UpperMs(histogram.Length - 1), 3);
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private sealed class Second
    {
        public long At = -1;
        public long Requests, Errors, ClientErrors, Events, FoldIns;
        public readonly long[] Latency = new long[LatencyBuckets];

        public void Reset(long at)
        {
            Requests = Errors = ClientErrors = Events = FoldIns = 0;
            Array.Clear(Latency);
            Volatile.Write(ref At, at);
        }
    }
}

/// <summary>Traffic figures of the last seconds.</summary>
/// <param name="Seconds">Seconds the rates and percentiles cover.</param>
/// <param name="RequestsPerSecond">Requests answered per second.</param>
/// <param name="ErrorsPerSecond">5xx answers per second.</param>
/// <param name="ClientErrorsPerSecond">4xx answers per second.</param>
/// <param name="EventsPerSecond">Interaction events consumed per second.</param>
/// <param name="FoldInsPerSecond">User vectors re-solved per second.</param>
/// <param name="LatencyP50Ms">Median request latency (upper edge of its log-scale bucket, ±9%), null without requests.</param>
/// <param name="LatencyP90Ms">90th percentile.</param>
/// <param name="LatencyP99Ms">99th percentile.</param>
/// <param name="RequestsTotal">Requests since start.</param>
/// <param name="ErrorsTotal">5xx since start.</param>
/// <param name="EventsTotal">Events consumed since start.</param>
/// <param name="DeadLettersTotal">Records written to the dead-letter topic since start.</param>
/// <param name="RequestSeries">Requests per second over the last minute, oldest first.</param>
/// <param name="EventSeries">Events per second over the last minute, oldest first.</param>
public sealed record DashboardTraffic(int Seconds, double RequestsPerSecond, double ErrorsPerSecond, double ClientErrorsPerSecond,
    double EventsPerSecond, double FoldInsPerSecond, double? LatencyP50Ms, double? LatencyP90Ms, double? LatencyP99Ms,
    long RequestsTotal, long ErrorsTotal, long EventsTotal, long DeadLettersTotal, long[] RequestSeries, long[] EventSeries);
