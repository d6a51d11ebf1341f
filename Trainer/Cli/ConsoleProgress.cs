using System.Diagnostics;
using Personalization.Recommender.Models;

namespace Personalization.Trainer.Cli;

/// <summary>
/// A progress bar on standard error for long CLI work: redrawn in place on a terminal, one line per step when the
/// output is redirected (CI logs), so the figures stay readable either way. Standard output stays clean for results.
/// </summary>
public sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    private const int Width = 30;
    private readonly TextWriter _writer;
    private readonly bool _inPlace;
    private readonly string _label;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _gate = new();

    /// <summary>Creates a bar labelled <paramref name="label"/>.</summary>
    /// <param name="label">What the work is, e.g. "train als".</param>
    /// <param name="writer">Where to draw; standard error by default.</param>
    public ConsoleProgress(string label, TextWriter? writer = null)
    {
        _label = label;
        _writer = writer ?? Console.Error;
        _inPlace = writer is null && !Console.IsErrorRedirected;
    }

    /// <inheritdoc />
    public void Report(TrainingProgress value) =>
        Draw(value.Step, value.Steps, double.IsNaN(value.Loss) ? $"{value.Elapsed.TotalSeconds:F2} s/step" : $"loss {value.Loss:E4}, {value.Elapsed.TotalSeconds:F2} s/step");

    /// <summary>Reports a count-based step (users evaluated, lines read).</summary>
    /// <param name="done">Units done.</param>
    /// <param name="total">Units in all.</param>
    public void Report(long done, long total) => Draw(done, total, null);

    private void Draw(long done, long total, string? detail)
    {
        lock (_gate)
        {
            double share = total > 0 ? Math.Clamp((double)done / total, 0, 1) : 0;
            int filled = (int)Math.Round(share * Width);
            string line = $"{_label} [{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {_clock.Elapsed.TotalSeconds:F1} s{(detail is null ? "" : ", " + detail)}";
            if (_inPlace)
            {
                _writer.Write("\r" + line.PadRight(Console.WindowWidth > 0 ? Math.Min(Console.WindowWidth - 1, 120) : 0));
                if (done >= total)
                    _writer.WriteLine();
            }
            else
            {
                _writer.WriteLine(line);
            }
        }
    }
}
