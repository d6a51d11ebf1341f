using Microsoft.AspNetCore.Diagnostics;
using Orleans.Runtime;
using Personalization.Grains.Users;

namespace Personalization.Silo.Gateway;

/// <summary>
/// Turns "the cluster cannot answer right now" into 503 problem details with Retry-After: while a dead silo is
/// being evicted, a grain call to it fails or times out (bounded by <c>Cluster:ResponseTimeout</c>), and the
/// caller is told to come back, never given a 500. So is a request that meets the silo at its memory cap.
/// </summary>
internal sealed class GrainExceptionHandler(IProblemDetailsService problems, ILogger<GrainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, retryAfter) = exception switch
        {
            ModelNotReadyException => (503, "No model is loaded yet.", 5),
            SiloUnavailableException or OrleansMessageRejectionException or GatewayTooBusyException =>
                (503, "The silo holding this grain is unavailable; the cluster is moving it.", 1),
            TimeoutException => (503, "The grain did not answer in time; the cluster may be evicting a silo.", 1),
            // The strongly consistent directory cancels lookups in flight when its ranges move after a silo dies; the
            // grain call is then cancelled though the HTTP request was not. A kill -9 test in CI saw this as a 500.
            OperationCanceledException when !context.RequestAborted.IsCancellationRequested =>
                (503, "The cluster cancelled the grain call while it moved the grain's directory entry.", 1),
            // At its memory cap the silo sheds activations (Grains:Collection); a request that meets the cap before the
            // shedding does is told to come back, as an overloaded one is.
            OutOfMemoryException or InsufficientExecutionStackException => (503, "The silo is at its memory limit and is shedding activations.", 1),
            BadHttpRequestException e => (e.StatusCode, e.Message, 0),
            _ => (0, "", 0),
        };
        if (status == 0) return false;
        logger.LogDebug(exception, "Answering {Status}: {Title}", status, title);
        context.Response.StatusCode = status;
        if (retryAfter > 0) context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title },
        });
    }
}
