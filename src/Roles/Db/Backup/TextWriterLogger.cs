using Microsoft.Extensions.Logging;

namespace NodeAgent.Roles.Db.Backup;

/// <summary>
/// One-line log messages to a writer (stderr), for the short-lived commands PostgreSQL runs per WAL file: their output
/// lands in the server log, and they must not pay for the full logging stack at every start.
/// </summary>
public sealed class TextWriterLogger(TextWriter writer, string prefix, LogLevel minimum) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && logLevel != LogLevel.None;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        var line = $"{prefix}: {formatter(state, exception)}";
        if (exception is not null)
        {
            line += $" ({exception.GetType().Name}: {exception.Message})";
        }

        lock (writer)
        {
            writer.WriteLine(line);
        }
    }
}
