using System.Globalization;
using System.Text;

namespace Personalization.LoadGenerator;

/// <summary>
/// A soak: one open-loop rate held for a long time, measured in consecutive windows, each with its latency, refusals
/// and the process's memory, so a leak or a slow drift of p99 shows as a slope rather than hiding in one average.
/// </summary>
public static class Soak
{
    /// <summary>Runs <paramref name="total"/> at <paramref name="rate"/> in windows of <paramref name="window"/>.</summary>
    public static async Task<IReadOnlyList<SoakWindow>> RunAsync(HttpClient http, Func<Random, string> path, double rate, TimeSpan total, TimeSpan window,
        int seed, Func<(double RssMb, double HeapMb, double LiveMb)> memory, Action<string> progress, CancellationToken cancellationToken)
    {
        var windows = new List<SoakWindow>();
        var count = (int)Math.Ceiling(total / window);
        // Each window's end reading starts the next window, so the windows' CPU adds up to the soak's.
        var start = ResourceSnapshot.Take();
        for (var i = 0; i < count; i++)
        {
            var result = await OpenLoop.RunAsync($"soak {i}", "mixed", http, path, rate, TimeSpan.Zero, window, seed + i, cancellationToken, backlogLimitSeconds: 30);
            var end = ResourceSnapshot.Take();
            var spent = end.Since(start);
            start = end;
            var (rss, heap, live) = memory();
            var sample = new SoakWindow((i + 1) * window.TotalSeconds, result.AchievedRate, result.Latency.P50Ms, result.Latency.P99Ms,
                result.Errors, result.Shed, rss, heap, live, spent.ProcessCores, spent.OtherCores, spent.StolenCores, spent.Gen2);
            windows.Add(sample);
            progress(string.Create(CultureInfo.InvariantCulture,
                $"soak {sample.AtSeconds:F0} s: {sample.AchievedRate:F0} req/s, p50 {sample.P50Ms:F2} ms, p99 {sample.P99Ms:F2} ms, {sample.Errors} errors, {sample.Shed} shed, RSS {sample.RssMb:F0} MB, heap {sample.HeapMb:F0} MB, live after the last gen-2 {sample.LiveMb:F0} MB, {sample.ProcessCores:F2} cores (others {sample.OtherCores:F2}, stolen {sample.StolenCores:F2}), {sample.Gen2} gen-2"));
        }
        return windows;
    }

    /// <summary>The windows as CSV.</summary>
    public static string Csv(IReadOnlyList<SoakWindow> windows)
    {
        var s = new StringBuilder("at_s,achieved_per_s,p50_ms,p99_ms,errors,shed,rss_mb,heap_mb,live_mb,process_cores,other_cores,stolen_cores,gen2\n");
        foreach (var w in windows)
            s.Append(CultureInfo.InvariantCulture, $"{w.AtSeconds:F0},{w.AchievedRate:F1},{w.P50Ms:F3},{w.P99Ms:F3},{w.Errors},{w.Shed},{w.RssMb:F1},{w.HeapMb:F1},{w.LiveMb:F1},{w.ProcessCores:F3},{w.OtherCores:F3},{w.StolenCores:F3},{w.Gen2}\n");
        return s.ToString();
    }

    /// <summary>Two stacked line charts, memory and p99 against time, as a standalone SVG.</summary>
    public static string Svg(IReadOnlyList<SoakWindow> windows, string title)
    {
        const int width = 760, panel = 220, left = 70, right = 20, top = 40, gap = 60;
        var s = new StringBuilder();
        s.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{top + 2 * panel + gap + 50}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        s.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"20\" font-size=\"14\">{Escape(title)}</text>\n");
        var maxT = windows.Count == 0 ? 1 : windows.Max(w => w.AtSeconds);
        Panel(s, windows, top, "memory (MB): RSS solid, managed heap dashed, live after the last gen-2 dotted",
            [(w => w.RssMb, ""), (w => w.HeapMb, "6,4"), (w => w.LiveMb, "2,3")]);
        Panel(s, windows, top + panel + gap, "latency (ms): p99 solid, p50 dashed", [(w => w.P99Ms, ""), (w => w.P50Ms, "6,4")]);
        s.Append(CultureInfo.InvariantCulture, $"<text x=\"{left + (width - left - right) / 2 - 30}\" y=\"{top + 2 * panel + gap + 40}\">time (s)</text>\n");
        s.Append("</svg>\n");
        return s.ToString();

        void Panel(StringBuilder o, IReadOnlyList<SoakWindow> data, int y0, string label, (Func<SoakWindow, double> Value, string Dash)[] series)
        {
            var values = data.SelectMany(w => series.Select(x => x.Value(w))).Where(double.IsFinite).ToList();
            var maxV = values.Count == 0 ? 1 : values.Max() * 1.1;
            if (maxV <= 0) maxV = 1;
            double X(double t) => left + (width - left - right) * t / maxT;
            double Y(double v) => y0 + panel - panel * v / maxV;
            o.Append(CultureInfo.InvariantCulture, $"<text x=\"{left}\" y=\"{y0 - 8}\">{Escape(label)}</text>\n");
            o.Append(CultureInfo.InvariantCulture, $"<rect x=\"{left}\" y=\"{y0}\" width=\"{width - left - right}\" height=\"{panel}\" fill=\"none\" stroke=\"#999\"/>\n");
            for (var tick = 0; tick <= 4; tick++)
            {
                var v = maxV * tick / 4;
                o.Append(CultureInfo.InvariantCulture, $"<text x=\"{left - 6}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{v:G3}</text>\n");
                var t = maxT * tick / 4;
                o.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(t):F1}\" y=\"{y0 + panel + 16}\" text-anchor=\"middle\">{t:F0}</text>\n");
            }
            foreach (var (value, dash) in series)
            {
                var points = string.Join(' ', data.Where(w => double.IsFinite(value(w))).Select(w => string.Create(CultureInfo.InvariantCulture, $"{X(w.AtSeconds):F1},{Y(value(w)):F1}")));
                o.Append(CultureInfo.InvariantCulture, $"<polyline fill=\"none\" stroke=\"#1f5fbf\" stroke-width=\"2\" {(dash.Length > 0 ? $"stroke-dasharray=\"{dash}\" " : "")}points=\"{points}\"/>\n");
            }
        }
    }

    private static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal);
}

/// <summary>One window of a soak.</summary>
/// <param name="AtSeconds">End of the window, from the soak's start.</param>
/// <param name="AchievedRate">Successful responses per second.</param>
/// <param name="P50Ms">Median latency from the intended send time.</param>
/// <param name="P99Ms">99th percentile latency.</param>
/// <param name="Errors">Failed requests.</param>
/// <param name="Shed">Requests shed with 429/503.</param>
/// <param name="RssMb">Resident memory of the measured process.</param>
/// <param name="HeapMb">Managed heap after the last GC (in-process silo only), garbage in older generations included.</param>
/// <param name="LiveMb">What survived the last gen-2 collection: the live managed data, which the heap overstates until a gen-2 runs.</param>
/// <param name="ProcessCores">CPU of the measuring process (silo and load generator together) in the window, in cores: how near capacity the soak ran.</param>
/// <param name="OtherCores">CPU of everything else on the machine in the window, in cores.</param>
/// <param name="StolenCores">CPU the hypervisor gave other guests in the window (steal time), in cores.</param>
/// <param name="Gen2">Gen-2 collections in the window.</param>
public sealed record SoakWindow(double AtSeconds, double AchievedRate, double P50Ms, double P99Ms, int Errors, int Shed, double RssMb, double HeapMb, double LiveMb,
    double ProcessCores, double OtherCores, double StolenCores, int Gen2);
