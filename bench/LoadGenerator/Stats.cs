namespace Personalization.LoadGenerator;

/// <summary>Summary of a set of durations in milliseconds (nearest-rank percentiles).</summary>
public sealed record LatencySummary(int Count, double MeanMs, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs)
{
    /// <summary>Summarizes <paramref name="values"/> (sorted in place).</summary>
    public static LatencySummary Of(double[] values)
    {
        if (values.Length == 0) return new LatencySummary(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        Array.Sort(values);
        double Rank(double p) => values[Math.Clamp((int)Math.Ceiling(p / 100 * values.Length) - 1, 0, values.Length - 1)];
        return new LatencySummary(values.Length, values.Average(), Rank(50), Rank(90), Rank(99), Rank(99.9), values[^1]);
    }
}

/// <summary>Result of one closed-loop GET phase.</summary>
/// <param name="Name">Phase name.</param>
/// <param name="Path">Request path pattern.</param>
/// <param name="Workers">Concurrent workers.</param>
/// <param name="MeasuredSeconds">Length of the measured window.</param>
/// <param name="Requests">Successful requests completed in the window.</param>
/// <param name="Errors">Failed requests (non-2xx or exceptions) in the window.</param>
/// <param name="ThroughputPerSecond">Requests / measured seconds.</param>
/// <param name="MeanResponseBytes">Mean body size.</param>
/// <param name="Latency">Latency of the successful requests, send to last body byte.</param>
public sealed record PhaseResult(string Name, string Path, int Workers, double MeasuredSeconds, int Requests, int Errors,
    double ThroughputPerSecond, double MeanResponseBytes, LatencySummary Latency);

/// <summary>Result of the event-to-visible phase.</summary>
/// <param name="Events">Events posted.</param>
/// <param name="Visible">Events seen in the user's state before the timeout.</param>
/// <param name="Failures">Rejected posts, errors or timeouts.</param>
/// <param name="Workers">Concurrent workers.</param>
/// <param name="MeanPolls">GET /v1/users/{u} calls per visible event.</param>
/// <param name="PostAck">POST /v1/events until its 202.</param>
/// <param name="PostToVisible">POST sent until a GET shows interactions == 1.</param>
public sealed record EventPhaseResult(int Events, int Visible, int Failures, int Workers, double MeanPolls, LatencySummary PostAck, LatencySummary PostToVisible);
