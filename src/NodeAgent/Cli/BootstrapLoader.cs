using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Configuration;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>Loads and validates user-data for a command, printing every problem and mapping it to an exit code.</summary>
public static class BootstrapLoader
{
    public static async Task<(BootstrapResult? Result, ExitCode Code)> LoadAsync(
        ParseResult parse, CliContext context, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            var source = UserDataSources.Resolve(parse, context, loggers);
            var bootstrapper = new AgentBootstrapper(source, context.Roles.SectionReaders, context.HostFacts);
            return (await bootstrapper.LoadAsync(cancellationToken), ExitCode.Ok);
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
