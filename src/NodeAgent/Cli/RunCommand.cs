using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Hosting;
using NodeAgent.Instance;

namespace NodeAgent.Cli;

/// <summary>
/// <c>nodeagent run</c>: load and validate user-data, wipe state baked from another instance, then run the role's
/// services until SIGTERM. Refuses to start on invalid user-data. <c>--once</c> stops cleanly after reporting ready.
/// </summary>
public static class RunCommand
{
    public static readonly Option<bool> Once = new("--once")
    {
        Description = "Boot, report ready, print the node summary, then stop cleanly (demo and smoke tests).",
    };

    public static Command Create(CliContext context)
    {
        var command = new Command("run", "Run the agent: bootstrap from user-data and start this node's role.") { Once };
        command.SetAction((parse, ct) => RunAsync(parse, context, ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var (imds, fromMetadata) = UserDataSources.Metadata(parse, context);
        var options = new AgentRunOptions
        {
            Imds = imds,
            UserDataFromMetadata = fromMetadata,
            Once = parse.GetValue(Once),
            LogFormat = parse.GetValue(GlobalOptions.LogFormatOption),
            LogLevel = parse.GetValue(GlobalOptions.LogLevelOption),
            Output = context.Out,
        };
        using var loggers = AgentLogging.CreateFactory(options.LogFormat, options.LogLevel);
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            await context.Error.WriteLineAsync("nodeagent run: refusing to start.");
            if (fromMetadata)
            {
                await LaunchFailure.ReportAsync(null, null, imds, context.GetEnvironment, code == ExitCode.InvalidConfig ? "invalid user-data" : "no user-data", loggers, cancellationToken);
            }

            return (int)code;
        }

        var guard = new BakedStateGuard(loggers.CreateLogger<BakedStateGuard>());
        guard.Apply(boot.Config.Node.StateDir, boot.Identity.InstanceId);

        using var host = AgentHost.Build(boot, context.Roles, options);
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (StartupFailedException ex)
        {
            await context.Error.WriteLineAsync($"nodeagent run: {ex.Message}");
            if (boot.Config.Lifecycle.Enabled ?? fromMetadata)
            {
                await LaunchFailure.ReportAsync(boot.Config, boot.Identity, imds, context.GetEnvironment, ex.Message, loggers, cancellationToken);
            }

            return (int)ExitCode.StartupFailed;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"nodeagent run: {ex.Message}");
            return (int)ExitCode.StartupFailed;
        }

        return (int)ExitCode.Ok;
    }
}
