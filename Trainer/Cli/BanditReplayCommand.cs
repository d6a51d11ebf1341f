using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Personalization.Recommender.Bandits;

namespace Personalization.Trainer.Cli;

/// <summary>
/// <c>bandit-replay</c>: offline evaluation of artwork policies by the replay method on a simulator with known
/// per-segment preferences, logged with uniformly random artwork.
/// </summary>
internal static class BanditReplayCommand
{
    public static Command Create()
    {
        var segments = new Option<int>("--segments") { Description = "User segments (each a dominant genre and a preferred artwork style).", DefaultValueFactory = _ => 8 };
        var items = new Option<int>("--items") { Description = "Items.", DefaultValueFactory = _ => 200 };
        var variants = new Option<int>("--variants") { Description = "Artwork variants per item.", DefaultValueFactory = _ => 4 };
        var events = new Option<int>("--events") { Description = "Logged impressions (uniformly random artwork).", DefaultValueFactory = _ => 1_000_000 };
        var alpha = new Option<double>("--alpha") { Description = "LinUCB exploration weight α.", DefaultValueFactory = _ => 0.5 };
        var seed = CliOptions.Seed();
        var output = new Option<string?>("--out") { Description = "JSON file to write the results to." };
        var command = new Command("bandit-replay", "Replay a uniformly logged simulator log against artwork policies (Li et al. 2011).")
            { segments, items, variants, events, alpha, seed, output };
        command.SetAction((result, cancellationToken) => Program.Guarded(async () =>
        {
            int s = result.GetValue(segments), i = result.GetValue(items), v = result.GetValue(variants), n = result.GetValue(events);
            if (s < 1) throw new ArgumentException($"--segments must be at least 1, not {s}.");
            if (i < 1) throw new ArgumentException($"--items must be at least 1, not {i}.");
            if (v < 2) throw new ArgumentException($"--variants must be at least 2, not {v}.");
            if (n < 1) throw new ArgumentException($"--events must be at least 1, not {n}.");
            var a = result.GetValue(alpha);
            if (!(a >= 0) || !double.IsFinite(a)) throw new ArgumentException($"--alpha must be a finite number ≥ 0, not {a}.");
            var worldSeed = (ulong)result.GetValue(seed);

            var clock = Stopwatch.StartNew();
            var world = new ArtworkSimulator(s, i, v, worldSeed);
            await Console.Error.WriteLineAsync($"logging {n:N0} uniformly random impressions ({s} segments, {i} items, {v} variants)...");
            var log = world.LogUniform(n, worldSeed + 1);
            var oracle = log.Average(r => world.BestProbability(r.Segment, r.Item));
            var uniformTruth = log.Average(r => Enumerable.Range(0, v).Average(x => world.ClickProbability(r.Segment, r.Item, x)));
            // The best fixed variant per item, knowing the truth: what a perfect non-personalized test would ship.
            var fixedBest = Enumerable.Range(0, i).Select(item => Enumerable.Range(0, v)
                .MaxBy(x => Enumerable.Range(0, s).Average(segment => world.ClickProbability(segment, item, x)))).ToArray();
            var singleTruth = log.Average(r => world.ClickProbability(r.Segment, r.Item, fixedBest[r.Item]));
            IArtworkPolicy[] policies =
            [
                new UniformArtworkPolicy(worldSeed + 2),
                new BestSingleVariantPolicy(),
                new LinUcbArtworkPolicy(world.Dimensions, a),
                new LinearThompsonArtworkPolicy(world.Dimensions, 0.3, worldSeed + 3),
            ];
            var results = new List<ReplayResult>();
            foreach (var policy in policies)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var started = clock.Elapsed;
                results.Add(ReplayEvaluator.Replay(policy, log, v, world));
                await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {policy.Name}: {(clock.Elapsed - started).TotalSeconds:F1} s"));
            }

            var uniform = results[0].Ctr;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Replay of {n:N0} uniformly logged impressions: {s} segments, {i} items, {v} variants, seed {worldSeed}."));
            Console.WriteLine();
            Console.WriteLine("| policy | matched events | replay CTR | true CTR of the matched choices | lift over uniform |");
            Console.WriteLine("|---|--:|--:|--:|--:|");
            foreach (var r in results)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {r.Policy} | {r.Matched:N0} | {r.Ctr:F4} | {r.TrueCtr:F4} | {(r.Ctr / uniform - 1) * 100:+0.0;-0.0}% |"));
            Console.WriteLine();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Simulator's truth over the same users and items: uniform {uniformTruth:F4}, best single variant per item (oracle) {singleTruth:F4}, per-context best variant (oracle) {oracle:F4}."));
            if (result.GetValue(output) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(new
                {
                    segments = s, items = i, variants = v, events = n, alpha = a, seed = worldSeed,
                    uniformTruth, singleTruth, oracle, seconds = clock.Elapsed.TotalSeconds, results,
                }, Program.Json), cancellationToken);
            }
        }));
        return command;
    }
}
