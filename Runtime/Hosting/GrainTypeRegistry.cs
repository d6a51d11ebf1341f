using System.Reflection;

namespace Personalization.Runtime.Hosting;

/// <summary>A registered grain type: its interface, implementation and, if any, the stream that places it.</summary>
/// <param name="Name">Stable type name (from <see cref="GrainTypeAttribute"/>).</param>
/// <param name="Interface">The grain interface.</param>
/// <param name="Implementation">The grain class.</param>
/// <param name="StreamTopic">The Kafka topic keyed by this grain's key, or null for unplaced grains.</param>
public sealed record GrainTypeRegistration(string Name, Type Interface, Type Implementation, string? StreamTopic);

/// <summary>The grain types a silo hosts.</summary>
public sealed class GrainTypeRegistry
{
    private readonly Dictionary<Type, GrainTypeRegistration> _byInterface = new();
    private readonly Dictionary<string, GrainTypeRegistration> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GrainTypeRegistration> _byTopic = new(StringComparer.Ordinal);

    /// <summary>All registrations.</summary>
    public IEnumerable<GrainTypeRegistration> All => _byName.Values;

    /// <summary>Registers a grain type.</summary>
    public GrainTypeRegistration Add(Type grainInterface, Type implementation, string? streamTopic)
    {
        if (!grainInterface.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(grainInterface))
            throw new ArgumentException($"{grainInterface} must be an interface deriving from {nameof(IGrainWithStringKey)}.");
        if (!grainInterface.IsAssignableFrom(implementation) || !typeof(Grain).IsAssignableFrom(implementation))
            throw new ArgumentException($"{implementation} must derive from {nameof(Grain)} and implement {grainInterface}.");
        if (streamTopic is not null && !typeof(IEventSink).IsAssignableFrom(implementation))
            throw new ArgumentException($"{implementation} consumes '{streamTopic}' and must implement {nameof(IEventSink)}.");
        var name = grainInterface.GetCustomAttribute<GrainTypeAttribute>()?.Name ?? grainInterface.Name;
        var registration = new GrainTypeRegistration(name, grainInterface, implementation, streamTopic);
        _byInterface.Add(grainInterface, registration);
        _byName.Add(name, registration);
        if (streamTopic is not null) _byTopic.Add(streamTopic, registration);
        return registration;
    }

    /// <summary>The registration of a grain interface.</summary>
    public GrainTypeRegistration ForInterface(Type grainInterface) =>
        _byInterface.TryGetValue(grainInterface, out var r) ? r
            : throw new InvalidOperationException($"No grain implementation is registered for {grainInterface}.");

    /// <summary>The registration of a grain type name.</summary>
    public GrainTypeRegistration ForName(string name) =>
        _byName.TryGetValue(name, out var r) ? r : throw new InvalidOperationException($"Unknown grain type '{name}'.");

    /// <summary>The grain type placed by a topic, if any.</summary>
    public GrainTypeRegistration? ForTopic(string topic) => _byTopic.GetValueOrDefault(topic);

    /// <summary>Topics that place grains.</summary>
    public IEnumerable<string> StreamTopics => _byTopic.Keys;
}
