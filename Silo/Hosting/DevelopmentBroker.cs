using System.Runtime.InteropServices;
using Personalization.Grains;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Hosting;

/// <summary>
/// <c>Personalization.Silo broker</c>: a development Kafka broker in its own process (librdkafka's mock
/// cluster) with the system's topics created, so silos can die and restart while the log survives.
/// Prints <c>bootstrap.servers=HOST:PORT</c> and runs until SIGTERM or SIGINT.
/// </summary>
/// <remarks>
/// Faults for outage drills, one command per line on standard input, each confirmed with <c>ok COMMAND</c>:
/// <c>down</c> (the broker refuses connections), <c>stall MS</c> (every response is delayed by MS milliseconds: a
/// frozen broker), <c>up</c> (both undone). Freezing this process with SIGSTOP is no substitute: the runtime's SIGCONT
/// handler interrupts the mock cluster's poll(), and librdkafka's mock thread stops serving for good.
/// </remarks>
public static class DevelopmentBroker
{
    /// <summary>Runs the broker; <c>--partitions N</c> sets the partitions of the grain topics.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var partitions = 12;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--partitions" && i + 1 < args.Length && int.TryParse(args[++i], out var p) && p > 0) partitions = p;
            else throw new SiloArguments.UsageException($"broker: unknown or incomplete option '{args[i]}' (use --partitions N).");
        }
        using var cluster = new MockKafkaCluster();
        cluster.CreateTopic(StreamTopics.Interactions, partitions);
        cluster.CreateTopic(StreamTopics.ItemEvents, partitions);
        cluster.CreateTopic(StreamTopics.ModelUpdates, 1);
        // A silo's CreateTopics against this process timed out waiting for a controller: every topic the silos use is made here.
        cluster.CreateTopic(Personalization.Streaming.Providers.DeadLetterWriter.Topic, partitions);
        Console.WriteLine($"bootstrap.servers={cluster.BootstrapServers}");
        Console.Out.Flush();
        _ = Task.Run(() => ReadFaultCommandsAsync(cluster));
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        return 0;
    }

    private static async Task ReadFaultCommandsAsync(MockKafkaCluster cluster)
    {
        while (await Console.In.ReadLineAsync() is { } line)
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            switch (parts)
            {
                case ["down"]: cluster.SetReachable(down: true); break;
                case ["up"]: cluster.SetRoundTrip(0); cluster.SetReachable(down: false); break;
                case ["stall", var ms] when int.TryParse(ms, out var rtt) && rtt >= 0: cluster.SetRoundTrip(rtt); break;
                default:
                    Console.WriteLine($"unknown command '{line}': down, stall MS, up");
                    continue;
            }
            Console.WriteLine($"ok {line.Trim()}");
            Console.Out.Flush();
        }
    }
}
