using System.Net;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Personalization.Client.Resilience;

/// <summary>
/// Retries what is safe to retry (Polly): reads and the idempotent writes (<c>PUT</c>) on transport failures, timeouts,
/// 502/503/504 and 429; a <c>POST</c> only on 503 and 429. A 503 to <c>POST /v1/events</c> may follow a partial write;
/// the retry is still safe because <see cref="PersonalizationClient.TrackAsync"/> gives every event an id, and the
/// grains apply each (user, event id) once.
/// Exponential backoff with jitter, or the server's <c>Retry-After</c>; a time limit per attempt and a deadline for
/// the whole call.
/// </summary>
public sealed class RetryHandler : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<bool> Idempotent = new("Personalization.Idempotent");
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly PersonalizationClientOptions _options;
    private readonly TimeProvider _time;

    /// <summary>Creates the handler.</summary>
    /// <param name="options">Retries, delays, the per-attempt limit and the deadline.</param>
    /// <param name="onRetry">Called before each retry with its number and the outcome retried.</param>
    /// <param name="time">The clock of the delays, the per-attempt limit and the deadline (the system's if null).</param>
    public RetryHandler(PersonalizationClientOptions options, Action<int, HttpResponseMessage?, Exception?>? onRetry = null, TimeProvider? time = null)
    {
        _options = options;
        _time = time ?? TimeProvider.System;
        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = _time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = Math.Max(1, options.MaxRetries),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
                ShouldHandle = args => ValueTask.FromResult(options.MaxRetries > 0 && ShouldRetry(args.Context, args.Outcome)),
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    onRetry?.Invoke(args.AttemptNumber + 1, args.Outcome.Result, args.Outcome.Exception);
                    args.Outcome.Result?.Dispose(); // the retried response is never read
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(options.AttemptTimeout)
            .Build();
    }

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(_options.Deadline, _time);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        var context = ResilienceContextPool.Shared.Get(deadline.Token);
        context.Properties.Set(Idempotent,
            request.Method == HttpMethod.Get || request.Method == HttpMethod.Put || request.Method == HttpMethod.Head || request.Method == HttpMethod.Delete);
        try
        {
            return await _pipeline.ExecuteAsync(
                static async (ctx, state) => await state.Handler.BaseSend(state.Request, ctx.CancellationToken).ConfigureAwait(false),
                context, (Handler: this, Request: request)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{request.Method} {request.RequestUri} did not complete within the deadline of {_options.Deadline.TotalSeconds:0.#} s.");
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private Task<HttpResponseMessage> BaseSend(HttpRequestMessage request, CancellationToken cancellationToken) => base.SendAsync(request, cancellationToken);

    private static bool ShouldRetry(ResilienceContext context, Outcome<HttpResponseMessage> outcome)
    {
        var idempotent = context.Properties.GetValue(Idempotent, false);
        if (outcome.Exception is not null)
            return idempotent && outcome.Exception is HttpRequestException or TimeoutRejectedException;
        var status = outcome.Result!.StatusCode;
        if (status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests) return true;
        return idempotent && status is HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout or HttpStatusCode.RequestTimeout;
    }

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : null);
        if (delay is null) return null; // the strategy's backoff
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay > _options.MaxRetryDelay ? _options.MaxRetryDelay : delay;
    }
}
