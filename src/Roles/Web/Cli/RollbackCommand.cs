using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Processes;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;

namespace NodeAgent.Roles.Web.Cli;

/// <summary><c>nodeagent rollback APP [--to ID]</c>: switch this node's <c>current</c> back, locally and at once.</summary>
public static class RollbackCommand
{
    public static Command Create(CliContext context)
    {
        var app = new Argument<string>("APP") { Description = "The app to roll back." };
        var to = new Option<string?>("--to") { Description = "Release id to switch to (default: the previous release)." };
        var command = new Command("rollback", "Switch an app on this node back to its previous release (or --to ID), at once.") { app, to };
        command.SetAction(async (parse, ct) =>
        {
            using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
            var (config, code) = await ConfigOnlyLoader.LoadAsync(parse, context, loggers, ct);
            if (config is null)
            {
                return (int)code;
            }

            if (config.SectionOrNull<WebSection>() is not { } web)
            {
                await context.Error.WriteLineAsync($"nodeagent rollback: app '{parse.GetValue(app)}' is not configured on this node (its role is {config.Role})");
                return (int)ExitCode.Failure;
            }

            var rollback = new LocalRollback(
                web,
                config,
                new DeployStateStore(config.Node.StateDir, loggers.CreateLogger<DeployStateStore>()),
                new HookRunner(new CliWrapProcessRunner(), loggers.CreateLogger<HookRunner>()),
                TimeProvider.System);
            try
            {
                var (from, target) = await rollback.RunAsync(parse.GetValue(app)!, parse.GetValue(to), ct);
                await context.Out.WriteLineAsync($"{parse.GetValue(app)}: current is now {target} (was {from})");
                return (int)ExitCode.Ok;
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or DeployLockHeldException or IOException)
            {
                await context.Error.WriteLineAsync($"nodeagent rollback: {ex.Message}");
                return (int)ExitCode.OperationFailed;
            }
        });
        return command;
    }
}
