using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Personalization.Runtime;

/// <summary>
/// A grain with persistent state. The runtime loads <see cref="State"/> before activation and writes it
/// at checkpoints and on deactivation when the grain said it changed (<see cref="MarkStateChanged"/>);
/// a record applied through <see cref="IEventSink"/> marks it changed automatically.
/// </summary>
/// <typeparam name="TState">The state type, serialized as JSON.</typeparam>
public abstract class Grain<TState> : Grain, IStatefulGrain where TState : class, new()
{
    /// <summary>The grain's state.</summary>
    protected TState State { get; set; } = new();

    /// <summary>True when no stored state existed at activation.</summary>
    protected bool IsNewState { get; private set; } = true;

    /// <summary>JSON metadata for the state; override with a source-generated one for speed.</summary>
    protected virtual JsonTypeInfo<TState>? StateTypeInfo => null;

    /// <summary>Set by the runtime; the grain calls <see cref="MarkStateChanged"/> to schedule a write.</summary>
    internal long ChangeStamp { get; private set; }

    /// <summary>Schedules the state for the next checkpoint write.</summary>
    protected void MarkStateChanged() => ChangeStamp++;

    long IStatefulGrain.ChangeStamp => ChangeStamp;

    void IStatefulGrain.MarkChanged() => ChangeStamp++;

    byte[] IStatefulGrain.SerializeState() =>
        StateTypeInfo is { } info ? JsonSerializer.SerializeToUtf8Bytes(State, info) : JsonSerializer.SerializeToUtf8Bytes(State);

    void IStatefulGrain.LoadState(ReadOnlySpan<byte> payload)
    {
        State = (StateTypeInfo is { } info ? JsonSerializer.Deserialize(payload, info) : JsonSerializer.Deserialize<TState>(payload))
            ?? new TState();
        IsNewState = false;
    }
}

/// <summary>How the runtime reads and writes a grain's state without knowing its type.</summary>
internal interface IStatefulGrain
{
    long ChangeStamp { get; }
    void MarkChanged();
    byte[] SerializeState();
    void LoadState(ReadOnlySpan<byte> payload);
}
