namespace Personalization.Silo.Hosting;

/// <summary>Where the silo is in its start-up; <c>/healthz</c> reports it.</summary>
public sealed class StartupStatus
{
    private volatile string _phase = "starting";
    private volatile string? _error;

    /// <summary>starting, importing, training, serving or failed.</summary>
    public string Phase => _phase;

    /// <summary>Why start-up failed, if it did.</summary>
    public string? Error => _error;

    /// <summary>True once a model is loaded and requests are answered.</summary>
    public bool IsServing => _phase == "serving";

    /// <summary>Moves to a phase.</summary>
    public void Set(string phase) => _phase = phase;

    /// <summary>Marks start-up as failed.</summary>
    public void Fail(string error)
    {
        _error = error;
        _phase = "failed";
    }
}
