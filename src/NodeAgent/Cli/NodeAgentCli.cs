using System.CommandLine;
using System.Runtime.InteropServices;
using NodeAgent.Hosting;

namespace NodeAgent.Cli;

/// <summary>The command line: <c>run</c>, <c>validate</c>, <c>version</c>, <c>status</c> and the fleet commands.</summary>
public static class NodeAgentCli
{
    /// <summary>Entry point used by Main and by tests.</summary>
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        // A role's command that runs many times a second (PostgreSQL starts wal-push once per WAL segment) skips
        // building the command tree (docs/backups.md).
        foreach (var role in context.Roles.All)
        {
            if (role.TryRunFast(args, context) is { } fast)
            {
                return await fast(cancellationToken);
            }
        }

        var root = BuildRoot(context);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await context.Error.WriteLineAsync(error.Message);
            }

            await context.Error.WriteLineAsync("Run 'nodeagent --help' for usage.");
            return (int)ExitCode.Usage;
        }

        // `run` hands SIGTERM/SIGINT to the generic host (graceful stop within node.shutdown_timeout); every other
        // command is cancelled through this token.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigint = parse.CommandResult.Command.Name == "run" ? null
            : PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cancel.Cancel(); });
        using var sigterm = parse.CommandResult.Command.Name == "run" ? null
            : PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });

        return await parse.InvokeAsync(new InvocationConfiguration
        {
            Output = context.Out,
            Error = context.Error,
            ProcessTerminationTimeout = null,
        }, cancel.Token);
    }

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("nodeagent: boots a node from user-data and runs its role (lb, web, db).");
        foreach (var option in GlobalOptions.All)
        {
            root.Options.Add(option);
        }

        foreach (var command in Commands(context))
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Every subcommand: the role-independent ones, one line each, then each role's own.</summary>
    private static IEnumerable<Command> Commands(CliContext context) =>
    [
        RunCommand.Create(context),
        ValidateCommand.Create(context),
        VersionCommand.Create(context),
        StatusCommand.Create(context),
        RetireCommand.Create(context),
        DnsCommand.Create(context),
        .. context.Roles.All.SelectMany(role => role.CreateCommands(context)),
    ];
}
