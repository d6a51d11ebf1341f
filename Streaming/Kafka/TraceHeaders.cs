using System.Diagnostics;
using System.Text;
using Confluent.Kafka;

namespace Personalization.Streaming.Kafka;

/// <summary>
/// W3C trace context in Kafka record headers (<c>traceparent</c>, <c>tracestate</c>), so the span that
/// applies a record to its grain continues the trace of the request that produced it.
/// </summary>
public static class TraceHeaders
{
    /// <summary>Header with the W3C traceparent of the producing span.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>Header with the W3C tracestate of the producing span.</summary>
    public const string TraceState = "tracestate";

    /// <summary>Headers carrying <paramref name="activity"/>'s context, or null when there is nothing to carry.</summary>
    public static Headers? From(Activity? activity)
    {
        if (activity is null || activity.IdFormat != ActivityIdFormat.W3C || activity.Id is not { } id) return null;
        var headers = new Headers { { TraceParent, Encoding.ASCII.GetBytes(id) } };
        if (!string.IsNullOrEmpty(activity.TraceStateString)) headers.Add(TraceState, Encoding.ASCII.GetBytes(activity.TraceStateString));
        return headers;
    }

    /// <summary>The producer's trace context carried by <paramref name="headers"/>, if any.</summary>
    public static bool TryExtract(Headers? headers, out ActivityContext context)
    {
        context = default;
        if (headers is null || !headers.TryGetLastBytes(TraceParent, out var parent) || parent.Length is 0 or > 128) return false;
        string? state = headers.TryGetLastBytes(TraceState, out var stateBytes) && stateBytes.Length <= 512 ? Encoding.ASCII.GetString(stateBytes) : null;
        return ActivityContext.TryParse(Encoding.ASCII.GetString(parent), state, isRemote: true, out context);
    }
}
