using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Personalization.Streaming;

/// <summary>The spans and meters of the Kafka path: produce, receive, commit.</summary>
public static class KafkaTelemetry
{
    /// <summary>Name of the activity source and the meter.</summary>
    public const string Name = "Personalization.Streaming";

    /// <summary>Producer and consumer spans (<c>send TOPIC</c>, <c>process TOPIC</c>).</summary>
    public static readonly ActivitySource Activities = new(Name);

    internal static readonly Meter Meter = new(Name);

    internal static readonly Counter<long> RecordsReceived = Meter.CreateCounter<long>("kafka.records.received", description: "Records read from Kafka into Orleans queues");

    internal static readonly Counter<long> Commits = Meter.CreateCounter<long>("kafka.offsets.committed", description: "Offset commits after the state covering them was durable");

    internal static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("kafka.dead_letters", "{record}",
        "Records a grain could not apply, written to the dead-letter topic so their partition moves on");

    internal static readonly Histogram<double> CheckpointMs = Meter.CreateHistogram<double>("kafka.checkpoint.duration", "ms", "Tap flush and offset commit");
}
