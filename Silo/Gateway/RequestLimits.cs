using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using Personalization.Silo.Security;

namespace Personalization.Silo.Gateway;

/// <summary>
/// The gateway's admission control, on ASP.NET Core's rate limiting middleware: a token bucket per client
/// (<see cref="RateLimitOptions"/>: 429 when a client exceeds its rate) chained before an adaptive concurrency limit for
/// the whole silo, one for reads and one for writes (<see cref="LoadSheddingOptions"/>: 503 when the silo is full). Both answer RFC 9457 problem details with
/// <c>Retry-After</c>. Health probes, metrics scrapes and the dashboards are never limited: they must work most under overload.
/// </summary>
public static class RequestLimits
{
    /// <summary>Binds both limits and registers the limiter when either is on.</summary>
    public static IServiceCollection AddRequestLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RateLimitOptions>(configuration.GetSection(RateLimitOptions.Section));
        services.Configure<LoadSheddingOptions>(configuration.GetSection(LoadSheddingOptions.Section));
        var perClient = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        var shedding = configuration.GetSection(LoadSheddingOptions.Section).Get<LoadSheddingOptions>() ?? new LoadSheddingOptions();
        if (perClient.Burst < 0) throw new InvalidOperationException("RateLimit:Burst must not be negative.");
        if (shedding.MaxConcurrentRequests < 0 || shedding.MinConcurrentRequests < 1 || shedding.RetryAfterSeconds < 1
            || shedding.TargetLatency <= TimeSpan.Zero || shedding.Window <= TimeSpan.Zero)
            throw new InvalidOperationException(
                "LoadShedding: MaxConcurrentRequests must not be negative, MinConcurrentRequests and RetryAfterSeconds must be at least 1, TargetLatency and Window positive.");
        // Kestrel's socket transport reads its options from DI: admission moves ahead of the thread pool's queue.
        services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = shedding.AdmitOnSocketThreads);
        if (!perClient.Enabled && !shedding.Enabled) return services;

        // The limiters are built once, when the options are, with the host's clock: a request then picks a partition
        // built in advance, where a partition made per request allocated its factory's closure every time.
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<TimeProvider>((o, time) =>
        {
            var limiters = new List<PartitionedRateLimiter<HttpContext>>();
            if (perClient.Enabled)
            {
                var bucket = BucketOptions(perClient);
                limiters.Add(PartitionedRateLimiter.Create<HttpContext, string>(context => PerClient(context, bucket)));
            }
            if (shedding.Enabled)
            {
                var partitions = new SiloPartitions(shedding, time);
                limiters.Add(PartitionedRateLimiter.Create<HttpContext, string>(partitions.For));
            }
            o.GlobalLimiter = limiters.Count == 1 ? limiters[0] : PartitionedRateLimiter.CreateChained([.. limiters]);
            var overloaded = OverloadedBody(shedding);
            o.OnRejected = (rejected, cancellationToken) => OnRejectedAsync(rejected, shedding, overloaded, cancellationToken);
        });
        return services;
    }

    /// <summary>Adds the limiter to the pipeline (when either limit is on) and logs both.</summary>
    public static WebApplication UseRequestLimits(this WebApplication app)
    {
        var perClient = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var shedding = app.Services.GetRequiredService<IOptions<LoadSheddingOptions>>().Value;
        if (perClient.Enabled || shedding.Enabled) app.UseRateLimiter();
        var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Personalization.Silo.Gateway");
        if (perClient.Enabled)
            log.LogInformation("Rate limit: {Permits} requests/s per client, burst {Burst} (by API key name, else remote address)",
                perClient.PermitsPerSecond, BurstOf(perClient));
        else
            log.LogInformation("Rate limit: off (RateLimit:PermitsPerSecond=0)");
        if (shedding.Enabled)
            log.LogInformation(
                "Load shedding: reads and writes each from {Min} to {Max} requests at once, adapted so that 90% take under {Target} ms while the silo is full; beyond that 503 with Retry-After {RetryAfter} s",
                shedding.MinConcurrentRequests, shedding.MaxConcurrentRequests, shedding.TargetLatency.TotalMilliseconds, shedding.RetryAfterSeconds);
        else
            log.LogInformation("Load shedding: off (LoadShedding:MaxConcurrentRequests=0)");
        return app;
    }

    /// <summary>Paths no limit applies to: health probes, metrics scrapes and the dashboards.</summary>
    internal static bool IsExempt(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/dashboard")
        || path.StartsWithSegments("/v1/dashboard");

    private static int BurstOf(RateLimitOptions limits) => limits.Burst > 0 ? limits.Burst : limits.PermitsPerSecond;

    private static RateLimitPartition<string> PerClient(HttpContext context, Func<string, TokenBucketRateLimiterOptions> bucket)
    {
        if (IsExempt(context.Request.Path)) return RateLimitPartition.GetNoLimiter("exempt");
        var identity = context.RequestServices.GetRequiredService<ApiKeyAuthenticator>().Identify(context);
        var client = identity is not null ? "key:" + identity.Name : "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return RateLimitPartition.GetTokenBucketLimiter(client, bucket);
    }

    private static Func<string, TokenBucketRateLimiterOptions> BucketOptions(RateLimitOptions limits) => _ => new TokenBucketRateLimiterOptions
    {
        TokenLimit = BurstOf(limits),
        TokensPerPeriod = limits.PermitsPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>The silo's three partitions, built once: exempt paths, reads and writes.</summary>
    private sealed class SiloPartitions(LoadSheddingOptions limits, TimeProvider time)
    {
        private readonly RateLimitPartition<string> _exempt = RateLimitPartition.GetNoLimiter("exempt");
        // Reads and writes are limited apart: writes waiting on an unreachable broker must not take every slot from reads.
        private readonly RateLimitPartition<string> _reads = RateLimitPartition.Get("reads", _ => new AdaptiveConcurrencyLimiter(limits, time));
        private readonly RateLimitPartition<string> _writes = RateLimitPartition.Get("writes", _ => new AdaptiveConcurrencyLimiter(limits, time));

        public RateLimitPartition<string> For(HttpContext context) =>
            IsExempt(context.Request.Path) ? _exempt : HttpMethods.IsGet(context.Request.Method) ? _reads : _writes;
    }

    private static async ValueTask OnRejectedAsync(OnRejectedContext rejected, LoadSheddingOptions shedding, byte[] overloaded,
        CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        // Only the per-client token bucket says when to come back; a full silo is the concurrency limit.
        if (!rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            // Shedding must cost far less than serving, or a silo at 5x its capacity spends its CPU refusing:
            // the body is rendered once, at startup.
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = shedding.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            context.Response.ContentType = "application/problem+json";
            context.Response.ContentLength = overloaded.Length;
            await context.Response.Body.WriteAsync(overloaded, cancellationToken);
            return;
        }
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests.",
                Detail = string.Format(CultureInfo.InvariantCulture, "This client's rate limit is exhausted; retry after {0} s.", seconds),
            },
        });
    }

    /// <summary>The problem details of a shed request, as UTF-8 JSON.</summary>
    private static byte[] OverloadedBody(LoadSheddingOptions shedding) =>
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new Microsoft.AspNetCore.Mvc.ProblemDetails
        {
            Type = "https://tools.ietf.org/html/rfc9110#section-15.6.4",
            Title = "The silo is overloaded.",
            Status = StatusCodes.Status503ServiceUnavailable,
            Detail = string.Format(CultureInfo.InvariantCulture,
                "It serves as many requests as it can and sheds the rest; retry after {0} s, or at another silo.", shedding.RetryAfterSeconds),
        });
}
