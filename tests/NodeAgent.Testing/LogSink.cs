using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace NodeAgent.Testing;

/// <summary>Collects log entries in memory so tests can assert on event ids and messages.</summary>
public sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<LogEntry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public IEnumerable<LogEntry> WithId(int eventId) => Entries.Where(e => e.EventId == eventId);

    public string Text => string.Join('\n', Entries.Select(e => $"{e.Level} {e.EventId} {e.Category}: {e.Message} {e.Exception?.Message}"));

    public void Dispose()
    {
    }

    public sealed record LogEntry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception);

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => sink.Entries.Enqueue(new LogEntry(category, logLevel, eventId.Id, formatter(state, exception), exception));
    }
}
