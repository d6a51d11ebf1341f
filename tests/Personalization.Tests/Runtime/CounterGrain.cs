using Personalization.Runtime;

namespace Personalization.Tests.Runtime;

[GrainType("counter")]
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> GetAsync();
    Task<int> SlowIncrementAsync(TimeSpan delay);
    Task WaitForAsync(TaskCompletionSource entered, Task release);
}

public sealed class CounterState
{
    public int Count { get; set; }
    public List<long> Offsets { get; set; } = [];
}

/// <summary>A test grain that counts and records the offsets it applied, and detects overlapping turns.</summary>
public sealed class CounterGrain(ConcurrencyProbe probe) : Grain<CounterState>, ICounterGrain, IEventSink
{
    public Task<int> GetAsync() => Task.FromResult(State.Count);

    public async Task<int> SlowIncrementAsync(TimeSpan delay)
    {
        using var _ = probe.Enter(GetPrimaryKeyString());
        var read = State.Count;
        await Task.Delay(delay);
        State.Count = read + 1; // a lost update if two turns ever overlapped
        MarkStateChanged();
        return State.Count;
    }

    public async Task WaitForAsync(TaskCompletionSource entered, Task release)
    {
        entered.SetResult();
        await release;
    }

    public Task ApplyAsync(EventEnvelope envelope, CancellationToken cancellationToken)
    {
        State.Count++;
        State.Offsets.Add(envelope.Offset);
        return Task.CompletedTask;
    }
}

/// <summary>Counts concurrent turns per grain.</summary>
public sealed class ConcurrencyProbe
{
    private readonly Dictionary<string, int> _inside = [];
    public int MaxInsideOneGrain { get; private set; }

    public IDisposable Enter(string key)
    {
        lock (_inside)
        {
            _inside[key] = _inside.GetValueOrDefault(key) + 1;
            MaxInsideOneGrain = Math.Max(MaxInsideOneGrain, _inside[key]);
        }
        return new Exit(this, key);
    }

    private sealed class Exit(ConcurrencyProbe probe, string key) : IDisposable
    {
        public void Dispose()
        {
            lock (probe._inside) probe._inside[key]--;
        }
    }
}
