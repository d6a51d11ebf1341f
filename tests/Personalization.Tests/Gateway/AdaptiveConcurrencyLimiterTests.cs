using System.Threading.RateLimiting;
using Microsoft.Extensions.Time.Testing;
using Personalization.Silo.Gateway;

namespace Personalization.Tests.Gateway;

/// <summary>The admission limit shrinks while requests are slower than the target with the silo full, and grows back otherwise.</summary>
public sealed class AdaptiveConcurrencyLimiterTests
{
    private static readonly LoadSheddingOptions Options = new()
    {
        MaxConcurrentRequests = 40, MinConcurrentRequests = 4,
        TargetLatency = TimeSpan.FromMilliseconds(50), Window = TimeSpan.FromMilliseconds(100),
    };

    [Fact]
    public void It_starts_at_the_highest_limit_and_refuses_at_once_beyond_it()
    {
        using var limiter = new AdaptiveConcurrencyLimiter(Options, new FakeTimeProvider());
        var leases = Enumerable.Range(0, 40).Select(_ => limiter.AttemptAcquire()).ToList();
        Assert.All(leases, lease => Assert.True(lease.IsAcquired));
        Assert.False(limiter.AttemptAcquire().IsAcquired);
        Assert.Equal(0, limiter.GetStatistics()!.CurrentQueuedCount);

        leases[0].Dispose();
        Assert.True(limiter.AttemptAcquire().IsAcquired);
        Assert.Equal(1, limiter.GetStatistics()!.TotalFailedLeases);
    }

    [Fact]
    public void Slow_requests_with_the_silo_full_shrink_the_limit_to_its_lowest_and_fast_ones_grow_it_back()
    {
        var time = new FakeTimeProvider();
        using var limiter = new AdaptiveConcurrencyLimiter(Options, time);

        var limits = new List<int>();
        for (var window = 0; window < 12; window++)
        {
            // Half the limit in flight, all slower than the target, finishing past the window's end.
            var leases = Enumerable.Range(0, (limiter.Limit + 1) / 2).Select(_ => limiter.AttemptAcquire()).ToList();
            time.Advance(TimeSpan.FromMilliseconds(120));
            leases.ForEach(lease => lease.Dispose());
            limits.Add(limiter.Limit);
        }
        Assert.Equal(30, limits[0]); // 40 × 0.75
        Assert.True(limits.SequenceEqual(limits.Order().Reverse()), string.Join(", ", limits));
        Assert.Equal(4, limits[^1]);

        // Fast requests: it grows a tenth (at least one) per window, up to the highest.
        var growing = new List<int>();
        for (var window = 0; window < 40; window++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            limiter.AttemptAcquire().Dispose();
            growing.Add(limiter.Limit);
        }
        Assert.True(growing.SequenceEqual(growing.Order()), string.Join(", ", growing));
        Assert.True(growing.Distinct().Count() > 10, string.Join(", ", growing));
        Assert.Equal(40, growing[^1]);
    }

    [Fact]
    public void A_few_slow_requests_among_many_are_tolerated()
    {
        var time = new FakeTimeProvider();
        using var limiter = new AdaptiveConcurrencyLimiter(Options, time);
        for (var window = 0; window < 3; window++)
        {
            var leases = Enumerable.Range(0, 20).Select(_ => limiter.AttemptAcquire()).ToList();
            time.Advance(TimeSpan.FromMilliseconds(200));
            leases.ForEach(lease => lease.Dispose());
        }
        // Close the windows those slow requests finished in, so the next one starts clean.
        for (var i = 0; i < 2; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            limiter.AttemptAcquire().Dispose();
        }
        var shrunk = limiter.Limit;
        Assert.True(shrunk < 40);

        // 100 fast requests, one at a time, and 9 slow ones (cold activations) in the same window: under 10% slow, so
        // the limit grows.
        var slow = Enumerable.Range(0, 9).Select(_ => limiter.AttemptAcquire()).ToList();
        for (var i = 0; i < 100; i++) limiter.AttemptAcquire().Dispose();
        time.Advance(TimeSpan.FromMilliseconds(60));
        slow.ForEach(lease => lease.Dispose());
        time.Advance(TimeSpan.FromMilliseconds(60));
        limiter.AttemptAcquire().Dispose();
        Assert.True(limiter.Limit > shrunk, $"{limiter.Limit} after {shrunk}");
    }

    [Fact]
    public void Slow_requests_with_few_in_flight_do_not_shrink_it()
    {
        // A GC pause or a cold activation makes the few requests in flight slow; refusing others would not help them.
        var time = new FakeTimeProvider();
        using var limiter = new AdaptiveConcurrencyLimiter(Options, time);
        for (var window = 0; window < 10; window++)
        {
            var leases = Enumerable.Range(0, 5).Select(_ => limiter.AttemptAcquire()).ToList();
            time.Advance(TimeSpan.FromMilliseconds(150));
            leases.ForEach(lease => lease.Dispose());
        }
        Assert.Equal(40, limiter.Limit);
    }
}
