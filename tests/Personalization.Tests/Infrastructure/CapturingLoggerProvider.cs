using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Personalization.Tests.Infrastructure;

/// <summary>Keeps every log message, its structured values, scopes and exceptions as text, to search them afterwards.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();
    private readonly ConcurrentQueue<LogMessage> _messages = new();

    /// <summary>Everything logged so far, one string per message, value, scope or exception.</summary>
    public IReadOnlyCollection<string> Entries => _entries;

    /// <summary>The messages logged so far, with their category and level.</summary>
    public IReadOnlyCollection<LogMessage> Messages => _messages;

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc />
    public void Dispose() { }

    private void Add(string text) => _entries.Enqueue(text);

    private void AddState(object? state)
    {
        if (state is null) return;
        Add(state.ToString() ?? "");
        if (state is IEnumerable<KeyValuePair<string, object?>> values)
            foreach (var (key, value) in values) Add($"{key}={value}");
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            owner.AddState(state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            owner._messages.Enqueue(new LogMessage(category, logLevel, message));
            owner.Add($"{category}: {message}");
            owner.AddState(state);
            if (exception is not null) owner.Add(exception.ToString());
        }
    }
}

/// <summary>One logged message.</summary>
/// <param name="Category">The logger's category.</param>
/// <param name="Level">Its level.</param>
/// <param name="Message">The formatted message.</param>
public sealed record LogMessage(string Category, LogLevel Level, string Message);
