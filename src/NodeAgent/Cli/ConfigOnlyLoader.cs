using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>
/// Loads and validates user-data for commands that need the configuration but not this host's identity: the
/// publisher (<c>deploy</c>, which may run on a build box) and the local release commands.
/// </summary>
public static class ConfigOnlyLoader
{
    public static async Task<(AgentConfig? Config, ExitCode Code)> LoadAsync(
        ParseResult parse, CliContext context, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            var raw = await UserDataSources.Resolve(parse, context, loggers).FetchAsync(cancellationToken);
            return (UserDataReader.Read(raw, context.Roles.SectionReaders), ExitCode.Ok);
        }
        catch (ConfigException ex)
        {
            await context.Error.WriteLineAsync(ex.Message);
            return (null, ExitCode.InvalidConfig);
        }
        catch (UserDataUnavailableException ex)
        {
            await context.Error.WriteLineAsync($"cannot get user-data: {ex.Message}");
            return (null, ExitCode.UserDataUnavailable);
        }
    }
}
