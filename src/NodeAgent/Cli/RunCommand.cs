using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NodeAgent.Bootstrap;
using NodeAgent.Hosting;

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
        var options = new AgentRunOptions
        {
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
