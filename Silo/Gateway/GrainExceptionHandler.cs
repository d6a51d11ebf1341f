using Microsoft.AspNetCore.Diagnostics;
using Personalization.Grains.Users;
using Personalization.Runtime.Placement;

namespace Personalization.Silo.Gateway;

/// <summary>
/// Turns "not here" and "not ready" into 503 problem details with Retry-After: during a rebalance or
/// start-up a caller gets told to come back, never a 500 and never an answer from a stale owner.
/// </summary>
internal sealed class GrainExceptionHandler(IProblemDetailsService problems, ILogger<GrainExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, retryAfter) = exception switch
        {
            GrainNotOwnedException e => (503, $"Partition {e.Partition} of '{e.Topic}' is not served here right now.", 1),
            ModelNotReadyException => (503, "No model is loaded yet.", 5),
            BadHttpRequestException e => (e.StatusCode, e.Message, 0),
            _ => (0, "", 0),
        };
        if (status == 0) return false;
        logger.LogDebug("Answering {Status}: {Title}", status, title);
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
