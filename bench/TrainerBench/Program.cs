using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Personalization.Grains.Signals;
using Personalization.Recommender;
using Personalization.Trainer.Datasets;
using Personalization.Trainer.Training;

namespace Personalization.TrainerBench;

/// <summary>
/// Times ALS iterations: seconds per iteration and achieved GFLOP/s for each solver and thread count, all in one
/// process so the ratios between them (and against the exact Cholesky baseline) are measured under the same noise.
/// </summary>
public static class Program
{
    /// <summary>Entry point; <c>--help</c> prints the options.</summary>
    public static async Task<int> Main(string[] args)
    {
        var settings = Settings.Parse(args);
        if (settings is null)
        {
            Console.WriteLine("""
                usage: TrainerBench [--dataset movielens DIR | --dataset synthetic] [--users N --items N --interactions N]
                       TrainerBench --write-movielens DIR [--ratings 25000095] [--users N --items N]   (a MovieLens CSV folder for the loader benchmark)
                                    [--factors 64] [--iterations 15] [--threads 1,2] [--solvers cg,cholesky] [--cg-steps 3]
                                    [--out FILE.json]
                """);
            return 2;
        }

        if (settings.WriteMovieLens is { } target)
        {
            // ml-25m's shape unless --users/--items say otherwise.
            MovieLensWriter.Write(target, settings.Users == 100_000 ? 162_541 : settings.Users, settings.Items == 20_000 ? 62_423 : settings.Items,
                settings.Ratings, seed: 25);
            return 0;
        }

        var load = Stopwatch.StartNew();
        InteractionMatrix matrix;
        string name;
        if (settings.MovieLens is { } dir)
        {
            var data = MovieLensDataset.Load(dir);
            var training = TrainingData.Build(data.Interactions, SignalPolicy.Default);
            matrix = training.Matrix;
            name = data.Name;
        }
        else
        {
            matrix = PowerLawMatrix.Generate(settings.Users, settings.Items, settings.Interactions, exponent: 1.0, seed: 7);
            name = $"synthetic power-law {settings.Users}x{settings.Items}x{settings.Interactions}";
        }
        Console.WriteLine($"{name}: {matrix.Rows} users x {matrix.Columns} items, {matrix.NonZeros} non-zeros (loaded in {load.Elapsed.TotalSeconds:F1} s)");
        Console.WriteLine($"{Environment.ProcessorCount} logical cores, {RuntimeInfo()}");

        var rows = new List<Row>();
        foreach (var solver in settings.Solvers)
        {
            foreach (int threads in settings.Threads)
            {
                var options = new AlsOptions
                {
                    Factors = settings.Factors, Iterations = settings.Iterations, Threads = threads, Solver = solver,
                    CgSteps = settings.CgSteps, ComputeLoss = false, Regularization = 0.1f, Alpha = 10f,
                };
                // Cholesky at 64 factors on the large set takes minutes per iteration: fewer iterations say as much.
                if (solver == AlsSolver.Cholesky && matrix.NonZeros > 1_000_000)
                    options = new AlsOptions { Factors = options.Factors, Iterations = 2, Threads = threads, Solver = solver, ComputeLoss = false, Regularization = 0.1f, Alpha = 10f };
                var result = new ImplicitAlsTrainer(options).Fit(matrix, new Progress<AlsIterationReport>(r =>
                    Console.Error.Write($"\r  {solver} x{threads}: iteration {r.Iteration}/{options.Iterations} {r.Elapsed.TotalSeconds:F3} s   ")));
                Console.Error.WriteLine();
                var seconds = result.Iterations.Select(r => r.Elapsed.TotalSeconds).ToArray();
                // The first iteration pays JIT and page faults of fresh arrays; report the steady state.
                var steady = seconds.Length > 1 ? seconds[1..] : seconds;
                Array.Sort(steady);
                double median = steady[steady.Length / 2];
                double flops = AlsCost.FlopsPerIteration(matrix.Rows, matrix.Columns, matrix.NonZeros, options);
                rows.Add(new Row(solver.ToString(), threads, options.Iterations, median, steady.Average(), seconds[0], flops / median / 1e9));
            }
        }

        Console.WriteLine();
        Console.WriteLine($"| solver | threads | iterations | s/iteration (median) | mean | first | GFLOP/s |");
        Console.WriteLine($"|---|---:|---:|---:|---:|---:|---:|");
        foreach (var row in rows)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Solver} | {row.Threads} | {row.Iterations} | {row.MedianSeconds:F3} | {row.MeanSeconds:F3} | {row.FirstSeconds:F3} | {row.Gflops:F1} |"));

        if (settings.Out is { } path)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var report = new
            {
                dataset = name, users = matrix.Rows, items = matrix.Columns, nonZeros = matrix.NonZeros, factors = settings.Factors,
                cgSteps = settings.CgSteps, cores = Environment.ProcessorCount, runtime = RuntimeInfo(), measuredAt = DateTimeOffset.UtcNow, rows,
            };
            await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {path}");
        }
        return 0;
    }

    private static string RuntimeInfo() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, AVX2 {System.Runtime.Intrinsics.X86.Avx2.IsSupported}, AVX-512 {System.Runtime.Intrinsics.X86.Avx512F.IsSupported}";

    private sealed record Row(string Solver, int Threads, int Iterations, double MedianSeconds, double MeanSeconds, double FirstSeconds, double Gflops);

    private sealed class Settings
    {
        public string? MovieLens { get; private set; }
        public int Users { get; private set; } = 100_000;
        public int Items { get; private set; } = 20_000;
        public int Interactions { get; private set; } = 5_000_000;
        public int Factors { get; private set; } = 64;
        public int Iterations { get; private set; } = 15;
        public int CgSteps { get; private set; } = 3;
        public int[] Threads { get; private set; } = [1, 2];
        public AlsSolver[] Solvers { get; private set; } = [AlsSolver.ConjugateGradient, AlsSolver.Cholesky];
        public string? Out { get; private set; }
        public string? WriteMovieLens { get; private set; }
        public long Ratings { get; private set; } = 25_000_095;

        public static Settings? Parse(string[] args)
        {
            var settings = new Settings();
            for (int i = 0; i < args.Length; i++)
            {
                string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
                switch (args[i])
                {
                    case "--dataset":
                        if (Next() == "movielens") settings.MovieLens = Next();
                        break;
                    case "--users": settings.Users = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--items": settings.Items = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--interactions": settings.Interactions = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--factors": settings.Factors = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--iterations": settings.Iterations = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--cg-steps": settings.CgSteps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                    case "--threads": settings.Threads = Next().Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
                    case "--solvers":
                        settings.Solvers = Next().Split(',').Select(s => s switch
                        {
                            "cg" => AlsSolver.ConjugateGradient,
                            "cholesky" => AlsSolver.Cholesky,
                            _ => throw new ArgumentException($"unknown solver '{s}'"),
                        }).ToArray();
                        break;
                    case "--out": settings.Out = Next(); break;
                    case "--write-movielens": settings.WriteMovieLens = Next(); break;
                    case "--ratings": settings.Ratings = long.Parse(Next(), CultureInfo.InvariantCulture); break;
                    default: return null;
                }
            }
            return settings;
        }
    }
}
