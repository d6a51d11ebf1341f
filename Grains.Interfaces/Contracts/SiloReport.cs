namespace Personalization.Contracts;

/// <summary>What one silo tells the cluster about itself, every second.</summary>
/// <param name="SiloId">The silo's name.</param>
/// <param name="SiloAddress">Its Orleans silo address (membership's key).</param>
/// <param name="Gateway">Its HTTP gateway address.</param>
/// <param name="Partitions">Kafka partitions its stream receivers read, per topic.</param>
/// <param name="Activations">Its live grain activations.</param>
/// <param name="Lag">Records between the committed offsets and the log end over its partitions (Kafka's consumer lag).</param>
/// <param name="ModelVersion">The model it serves.</param>
/// <param name="Trending">Its item grains' top items with their decayed popularity.</param>
/// <param name="At">When the report was made.</param>
[GenerateSerializer, Immutable]
public sealed record SiloReport(string SiloId, string SiloAddress, string Gateway, IReadOnlyDictionary<string, int[]> Partitions, int Activations,
    long Lag, long ModelVersion, IReadOnlyDictionary<string, double> Trending, DateTimeOffset At);
