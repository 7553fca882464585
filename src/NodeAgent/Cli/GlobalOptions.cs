using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>Options every command accepts: where user-data comes from, and how to log.</summary>
public static class GlobalOptions
{
    public static readonly Option<string?> UserData = new("--user-data")
    {
        Description = "Read user-data from this file instead of EC2 instance metadata (also: NODEAGENT_USER_DATA).",
        Recursive = true,
    };

    public static readonly Option<Uri?> ImdsEndpoint = new("--imds-endpoint")
    {
        Description = "Instance metadata base URL (also: NODEAGENT_IMDS_ENDPOINT). Default: http://169.254.169.254/.",
        Recursive = true,
        CustomParser = r => Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"
            ? u
            : Fail<Uri>(r, "--imds-endpoint expects an absolute http URL"),
    };

    public static readonly Option<double> ImdsTimeout = new("--imds-timeout")
    {
        Description = "Seconds to keep trying instance metadata before giving up.",
        Recursive = true,
        DefaultValueFactory = _ => 10,
    };

    public static readonly Option<LogFormat> LogFormatOption = new("--log-format")
    {
        Description = "json (default; for journald) or text.",
        Recursive = true,
        DefaultValueFactory = _ => LogFormat.Json,
    };

    public static readonly Option<LogLevel> LogLevelOption = new("--log-level")
    {
        Description = "Minimum log level: Trace, Debug, Information, Warning, Error.",
        Recursive = true,
        DefaultValueFactory = _ => LogLevel.Information,
    };

    public static IEnumerable<Option> All => [UserData, ImdsEndpoint, ImdsTimeout, LogFormatOption, LogLevelOption];

    private static T? Fail<T>(System.CommandLine.Parsing.ArgumentResult result, string message)
    {
        result.AddError(message);
        return default;
    }
}
