namespace Personalization.Grains;

/// <summary>The Kafka topics of the system.</summary>
public static class StreamTopics
{
    /// <summary>Interaction events keyed by user id: places user grains.</summary>
    public const string Interactions = "interactions";

    /// <summary>The same events re-keyed by item id (repartitioned by the silo): places item grains.</summary>
    public const string ItemEvents = "item-events";

    /// <summary>Announcements of published model versions (one partition).</summary>
    public const string ModelUpdates = "model-updates";
}
