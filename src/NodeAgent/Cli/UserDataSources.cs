using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>Picks the user-data source from the command line and environment: a file if one is named, else IMDS.</summary>
public static class UserDataSources
{
    public const string FileVariable = "NODEAGENT_USER_DATA";
    public const string ImdsVariable = "NODEAGENT_IMDS_ENDPOINT";

    /// <summary>
    /// Instance metadata for the lifecycle watcher: the endpoint given (<c>--imds-endpoint</c>, the variable) or the
    /// default; and whether the user-data itself comes from it (no file named), which turns the watcher on by default.
    /// </summary>
    public static (ImdsOptions Options, bool UserDataFromMetadata) Metadata(ParseResult parse, CliContext context)
    {
        var file = parse.GetValue(GlobalOptions.UserData) ?? context.GetEnvironment(FileVariable);
        var endpoint = parse.GetValue(GlobalOptions.ImdsEndpoint);
        if (endpoint is null && context.GetEnvironment(ImdsVariable) is { Length: > 0 } fromEnv && Uri.TryCreate(fromEnv, UriKind.Absolute, out var parsed))
        {
            endpoint = parsed;
        }

        return (new ImdsOptions { Endpoint = endpoint ?? ImdsOptions.DefaultEndpoint }, string.IsNullOrEmpty(file));
    }

    public static IUserDataSource Resolve(ParseResult parse, CliContext context, ILoggerFactory loggers)
    {
        var file = parse.GetValue(GlobalOptions.UserData) ?? context.GetEnvironment(FileVariable);
        if (!string.IsNullOrEmpty(file))
        {
            return new FileUserDataSource(Path.GetFullPath(file));
        }

        var endpoint = parse.GetValue(GlobalOptions.ImdsEndpoint);
        if (endpoint is null && context.GetEnvironment(ImdsVariable) is { Length: > 0 } fromEnv)
        {
            endpoint = Uri.TryCreate(fromEnv, UriKind.Absolute, out var parsed)
                ? parsed
                : throw new UserDataUnavailableException($"{ImdsVariable}='{fromEnv}' is not an absolute URL");
        }

        var options = new ImdsOptions
        {
            Endpoint = endpoint ?? ImdsOptions.DefaultEndpoint,
            TotalTimeout = TimeSpan.FromSeconds(Math.Max(0.1, parse.GetValue(GlobalOptions.ImdsTimeout))),
        };
        return new ImdsUserDataSource(new ImdsClient(options, loggers.CreateLogger<ImdsClient>()), options.Endpoint);
    }
}
