using System.Threading.RateLimiting;

namespace Personalization.Silo.Gateway;

/// <summary>
/// A concurrency limit that finds itself from latency, in the way of Netflix's concurrency-limits (AIMD): every
/// <see cref="LoadSheddingOptions.Window"/> it looks at the requests that finished; if more than 10% took longer than
/// <see cref="LoadSheddingOptions.TargetLatency"/> while at least half the limit was in flight, the limit shrinks by a
/// quarter; after any other window it grows by a tenth, back to the highest. Slowness with few requests in flight (a GC
/// pause, cold activations, a slow store) is not caused by admitting too many, and refusing would not cure it; and a
/// limit that grew back only when it was reached would grow only by refusing. A fixed limit is wrong for some request: rows pages cost ten times a recommendations answer, so
/// a limit low enough to keep rows fast under overload sheds cheap requests the silo could serve. There is no queue:
/// a request beyond the limit is refused at once.
/// </summary>
public sealed class AdaptiveConcurrencyLimiter : RateLimiter
{
    // A tenth, not a hundredth: cold activations and GC pauses make a few requests slow at any load; overload makes most.
    private const double SlowShare = 0.1;
    private const double Backoff = 0.75;
    private const double Growth = 1.1;

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly int _min;
    private readonly int _max;
    private readonly long _target;
    private readonly long _window;
    private double _limit;
    private int _inFlight;
    private long _windowStart;
    private int _finished;
    private int _slow;
    private int _peak;
    private long _acquired;
    private long _refused;
    private long _idleSince;

    /// <summary>Creates a limiter starting at the highest limit.</summary>
    public AdaptiveConcurrencyLimiter(LoadSheddingOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _min = Math.Max(1, options.MinConcurrentRequests);
        _max = Math.Max(_min, options.MaxConcurrentRequests);
        _target = Ticks(options.TargetLatency);
        _window = Ticks(options.Window);
        _limit = _max;
        _windowStart = _idleSince = time.GetTimestamp();
    }

    /// <summary>The current limit (requests at once).</summary>
    public int Limit
    {
        get { lock (_gate) return (int)_limit; }
    }

    /// <inheritdoc />
    public override TimeSpan? IdleDuration
    {
        get { lock (_gate) return _inFlight > 0 ? null : _time.GetElapsedTime(_idleSince); }
    }

    /// <inheritdoc />
    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
            return new RateLimiterStatistics
            {
                CurrentAvailablePermits = Math.Max(0, (int)_limit - _inFlight),
                CurrentQueuedCount = 0,
                TotalSuccessfulLeases = _acquired,
                TotalFailedLeases = _refused,
            };
    }

    /// <inheritdoc />
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        if (permitCount != 1) throw new ArgumentOutOfRangeException(nameof(permitCount), permitCount, "One request takes one permit.");
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            Adapt(now);
            if (_inFlight >= (int)_limit)
            {
                _refused++;
                return Refused.Instance;
            }
            _inFlight++;
            _acquired++;
            _peak = Math.Max(_peak, _inFlight);
        }
        return new Lease(this, now);
    }

    /// <inheritdoc />
    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private void Finished(long started)
    {
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            _inFlight--;
            if (_inFlight == 0) _idleSince = now;
            _finished++;
            if (now - started > _target) _slow++;
            Adapt(now);
        }
    }

    /// <summary>Closes the window when it is over: shrink when too many were slow with the silo full, else grow.</summary>
    private void Adapt(long now)
    {
        if (now - _windowStart < _window) return;
        if (_finished > 0 && _slow > SlowShare * _finished && 2 * _peak >= (int)_limit) _limit = Math.Max(_min, _limit * Backoff);
        else _limit = Math.Min(_max, Math.Max(_limit + 1, _limit * Growth));
        _windowStart = now;
        _finished = _slow = 0;
        _peak = _inFlight;
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    private sealed class Lease(AdaptiveConcurrencyLimiter limiter, long started) : RateLimitLease
    {
        private int _disposed;

        public override bool IsAcquired => true;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) limiter.Finished(started);
        }
    }

    private sealed class Refused : RateLimitLease
    {
        public static readonly Refused Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
