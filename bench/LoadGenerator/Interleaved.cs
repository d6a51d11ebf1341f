namespace Personalization.LoadGenerator;

/// <summary>One short closed-loop slice of an interleaved round: what it served and the CPU it cost.</summary>
/// <param name="Round">The round, from 1.</param>
/// <param name="Name">The request kind.</param>
/// <param name="Requests">Successful requests in the slice's measured window.</param>
/// <param name="Errors">Failed requests in the window.</param>
/// <param name="CpuMicrosPerRequest">This process's CPU per successful request, µs.</param>
/// <param name="StolenCores">Steal time during the slice, in cores.</param>
public sealed record InterleavedSlice(int Round, string Name, int Requests, int Errors, double CpuMicrosPerRequest, double StolenCores);

/// <summary>The median and quartiles of per-round ratios.</summary>
public sealed record RatioSpread(double Median, double LowerQuartile, double UpperQuartile, double Min, double Max)
{
    /// <summary>Summarizes <paramref name="values"/>.</summary>
    public static RatioSpread Of(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0) return new RatioSpread(double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        // Linear interpolation between closest ranks: with a dozen rounds, nearest rank jumps a whole round.
        double At(double q)
        {
            var position = q * (sorted.Length - 1);
            var low = (int)Math.Floor(position);
            var high = Math.Min(low + 1, sorted.Length - 1);
            return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
        }
        return new RatioSpread(At(0.5), At(0.25), At(0.75), sorted[0], sorted[^1]);
    }
}

/// <summary>
/// CPU per request of the ranked answer, the grain call without ranking and the bare endpoint, each divided by the bare
/// endpoint's from the same round.
/// </summary>
/// <param name="Rounds">Rounds run.</param>
/// <param name="SliceSeconds">Measured seconds per slice.</param>
/// <param name="Slices">Every slice, in run order.</param>
/// <param name="Recommendations">Recommendations over bare, per round.</param>
/// <param name="UserView">User view (the grain-call floor) over bare, per round.</param>
/// <param name="Rows">Rows page over bare (rows body), per round.</param>
public sealed record InterleavedResult(int Rounds, double SliceSeconds, InterleavedSlice[] Slices, RatioSpread Recommendations, RatioSpread UserView,
    RatioSpread Rows);

/// <summary>
/// Measures CPU per request as ratios to the bare endpoint from slices a few seconds apart. A phase of tens of seconds
/// after another one measures the host as much as the server: on a shared virtual machine the same build's CPU per
/// request moved by 20–40% between phases minutes apart, so a ratio of two such phases scattered by ±0.4. Short slices
/// of each kind, alternated within a round and in a different order each round, see the same host; the median of the
/// per-round ratios is what a change is judged by.
/// </summary>
public static class Interleaved
{
    /// <summary>One kind of request measured in every round.</summary>
    /// <param name="Name">Its name in the report.</param>
    /// <param name="Http">The server it goes to.</param>
    /// <param name="Path">Each request's path.</param>
    public sealed record Kind(string Name, HttpClient Http, Func<Random, string> Path);

    /// <summary>
    /// Runs <paramref name="rounds"/> rounds of one slice per kind. The order rotates by one kind each round, so no kind
    /// always follows the same other kind (a slice inherits the previous one's garbage and cache).
    /// </summary>
    public static async Task<InterleavedSlice[]> RunAsync(IReadOnlyList<Kind> kinds, int rounds, int workers, TimeSpan warmup, TimeSpan slice,
        int maxRequests, int seed, Action<string> progress, CancellationToken cancellationToken)
    {
        var slices = new List<InterleavedSlice>(rounds * kinds.Count);
        for (var round = 1; round <= rounds; round++)
        {
            for (var i = 0; i < kinds.Count; i++)
            {
                var kind = kinds[(i + round - 1) % kinds.Count];
                // The snapshot is taken when the slice's warm-up ends, as the phases' is.
                var window = Task.Delay(warmup, cancellationToken).ContinueWith(_ => ResourceSnapshot.Take(), TaskScheduler.Default);
                var result = await ClosedLoop.RunAsync(kind.Name, kind.Name, kind.Http, kind.Path, workers, warmup, slice, maxRequests,
                    HashCode.Combine(seed, round), cancellationToken);
                var used = ResourceSnapshot.Take().Since(await window);
                slices.Add(new InterleavedSlice(round, kind.Name, result.Requests, result.Errors,
                    used.ProcessCores * used.Seconds * 1e6 / Math.Max(1, result.Requests), used.StolenCores));
            }
            var inRound = slices.Where(s => s.Round == round);
            progress($"interleaved round {round}/{rounds}: " + string.Join(", ", inRound.Select(s => $"{s.Name} {s.CpuMicrosPerRequest:F0} µs")));
        }
        return [.. slices];
    }

    /// <summary>Per round, <paramref name="name"/>'s CPU per request over <paramref name="baseline"/>'s.</summary>
    public static RatioSpread Ratio(IReadOnlyList<InterleavedSlice> slices, string name, string baseline) => RatioSpread.Of(
        slices.GroupBy(s => s.Round).Select(round =>
        {
            var of = round.FirstOrDefault(s => s.Name == name);
            var over = round.FirstOrDefault(s => s.Name == baseline);
            return of is null || over is null || of.Requests == 0 || over.Requests == 0 ? double.NaN : of.CpuMicrosPerRequest / over.CpuMicrosPerRequest;
        }));
}
