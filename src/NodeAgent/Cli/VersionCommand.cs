using System.CommandLine;
using NodeAgent.Hosting;
using NodeAgent.Status;

namespace NodeAgent.Cli;

/// <summary><c>nodeagent version</c>: the agent's version, runtime and the roles it knows.</summary>
public static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("version", "Print the agent's version and the roles it knows.");
        command.SetAction(async (_, _) =>
        {
            await context.Out.WriteLineAsync($"nodeagent {AgentVersion.Value} (.NET {Environment.Version})");
            foreach (var role in context.Roles.All)
            {
                await context.Out.WriteLineAsync($"  role {role.Name,-4} {role.Description}");
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
