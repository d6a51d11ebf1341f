using System.Globalization;
using Personalization.Streaming.Providers;

namespace Personalization.ClusterBench;

/// <summary>
/// Simulates membership changes of clusters too large to run here (up to 400 silos) against the partition assignment
/// the silos use (<see cref="PartitionAssignment"/>) and the rule it replaced (partition p to the (p mod n)-th silo in
/// address order): for each cluster size, the balance and how many partitions move when one silo leaves or joins.
/// Every silo leaving is tried; joins are 50 fresh silos. Printed as Markdown (<c>ClusterBench partitions</c>).
/// </summary>
public static class PartitionSimulation
{
    /// <summary>Runs the simulation and prints its table.</summary>
    public static void Run(TextWriter output)
    {
        var invariant = CultureInfo.InvariantCulture;
        output.WriteLine("| partitions | silos | rule | partitions per silo (min–max) | moved when one silo leaves (mean, max) | moved when one joins (mean, max) | the departed silo's own share |");
        output.WriteLine("|--:|--:|---|--:|--:|--:|--:|");
        foreach (int partitions in new[] { 12, 512 })
        {
            foreach (int n in new[] { 3, 10, 45, 100, 400 })
            {
                if (n > partitions) continue;
                var silos = Enumerable.Range(0, n).Select(i => $"10.0.{i / 250}.{i % 250 + 1}:11111@{155_000_000 + i}").ToArray();
                foreach (var (name, assign) in new (string, Func<IReadOnlyList<string>, int[]>)[]
                {
                    ("p mod n (before)", s => Modulo(partitions, s)),
                    ("rendezvous, bounded loads", s => PartitionAssignment.Assign(partitions, s)),
                })
                {
                    var owners = Owners(silos, assign(silos));
                    var loads = silos.Select(s => owners.Count(o => o == s)).ToArray();
                    var leaves = silos.Select(gone => Moved(owners, Owners(silos.Where(s => s != gone).ToArray(), assign(silos.Where(s => s != gone).ToArray())))).ToArray();
                    var joins = Enumerable.Range(0, 50).Select(j =>
                    {
                        var grown = silos.Append($"10.9.{j / 250}.{j % 250 + 1}:11111@{156_000_000 + j}").ToArray();
                        return Moved(owners, Owners(grown, assign(grown)));
                    }).ToArray();
                    output.WriteLine(string.Create(invariant,
                        $"| {partitions} | {n} | {name} | {loads.Min()}–{loads.Max()} | {leaves.Average():F1} ({leaves.Average() / partitions:P0}), {leaves.Max()} | {joins.Average():F1} ({joins.Average() / partitions:P0}), {joins.Max()} | {partitions / (double)n:F1} |"));
                }
            }
        }
    }

    // The rule before: silos in address (ordinal) order, partition p to the (p mod n)-th.
    private static int[] Modulo(int partitions, IReadOnlyList<string> silos)
    {
        var ordered = silos.Select((s, i) => (s, i)).OrderBy(x => x.s, StringComparer.Ordinal).Select(x => x.i).ToArray();
        return Enumerable.Range(0, partitions).Select(p => ordered[p % silos.Count]).ToArray();
    }

    private static string[] Owners(IReadOnlyList<string> silos, int[] owners) => owners.Select(o => silos[o]).ToArray();

    private static int Moved(string[] before, string[] after) => before.Zip(after).Count(pair => pair.First != pair.Second);
}
