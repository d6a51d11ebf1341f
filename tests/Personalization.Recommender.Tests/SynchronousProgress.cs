namespace Personalization.Recommender.Tests;

/// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>, so tests see every report before Fit returns.</summary>
internal sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
