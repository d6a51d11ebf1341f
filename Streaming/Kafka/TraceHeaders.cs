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

    /// <summary>
    /// The producer's W3C traceparent and tracestate carried by <paramref name="headers"/> (null when absent, empty or
    /// longer than the W3C limits); the consumer's span parses them where the record is applied.
    /// </summary>
    public static (string? Parent, string? State) Read(Headers? headers)
    {
        if (headers is null) return (null, null);
        string? parent = headers.TryGetLastBytes(TraceParent, out var p) && p.Length is > 0 and <= 128 ? Encoding.ASCII.GetString(p) : null;
        string? state = headers.TryGetLastBytes(TraceState, out var s) && s.Length is > 0 and <= 512 ? Encoding.ASCII.GetString(s) : null;
        return (parent, state);
    }
}
