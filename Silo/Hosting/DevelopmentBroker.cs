using System.Runtime.InteropServices;
using Personalization.Grains;
using Personalization.Streaming.Kafka;

namespace Personalization.Silo.Hosting;

/// <summary>
/// <c>Personalization.Silo broker</c>: a development Kafka broker in its own process (librdkafka's mock
/// cluster) with the system's topics created, so silos can die and restart while the log survives.
/// Prints <c>bootstrap.servers=HOST:PORT</c> and runs until SIGTERM or SIGINT.
/// </summary>
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
        var stop = new TaskCompletionSource();
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
        await stop.Task;
        return 0;
    }
}
