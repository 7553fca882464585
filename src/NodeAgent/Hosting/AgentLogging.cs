using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace NodeAgent.Hosting;

/// <summary>Console logging as the agent does it: structured JSON by default (journald), or one-line text.</summary>
public static class AgentLogging
{
    public static ILoggingBuilder AddAgentConsole(this ILoggingBuilder logging, LogFormat format, LogLevel minimum)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(minimum);
        logging.AddFilter("Microsoft", LogLevel.Warning);
        logging.AddFilter("Polly", LogLevel.Warning);
        if (format == LogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.IncludeScopes = true;
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }

        // Microsoft.Extensions.Hosting.Systemd switches the console formatter to its own when running under systemd;
        // keep the chosen one (JSON lines are what journald should store).
        logging.Services.Configure<ConsoleLoggerOptions>(o =>
            o.FormatterName = format == LogFormat.Json ? ConsoleFormatterNames.Json : ConsoleFormatterNames.Simple);
        return logging;
    }

    public static ILoggerFactory CreateFactory(LogFormat format, LogLevel minimum)
        => LoggerFactory.Create(builder => builder.AddAgentConsole(format, minimum));
}
