using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>A logger that keeps every entry (event id, level, message, exception) for assertions.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        => Entries.Enqueue(new LogEntry(eventId.Id, logLevel, formatter(state, exception), exception));

    public bool Has(int eventId) => Entries.Any(e => e.EventId == eventId);
}

public sealed record LogEntry(int EventId, LogLevel Level, string Message, Exception? Exception);
