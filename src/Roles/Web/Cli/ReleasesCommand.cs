using System.CommandLine;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Hosting;
using NodeAgent.Roles.Web.Configuration;
using NodeAgent.Roles.Web.Deploy;
using NodeAgent.Roles.Web.Releases;

namespace NodeAgent.Roles.Web.Cli;

/// <summary><c>nodeagent releases APP</c>: this node's releases of an app, newest first, marking current and previous.</summary>
public static class ReleasesCommand
{
    public static Command Create(CliContext context)
    {
        var app = new Argument<string>("APP") { Description = "The app." };
        var command = new Command("releases", "List this node's releases of an app (current and previous marked).") { app };
        command.SetAction(async (parse, ct) =>
        {
            using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
            var (config, code) = await ConfigOnlyLoader.LoadAsync(parse, context, loggers, ct);
            if (config is null)
            {
                return (int)code;
            }

            var name = parse.GetValue(app)!;
            if (config.SectionOrNull<WebSection>() is not { } web || web.Apps.All(a => a.Name != name))
            {
                await context.Error.WriteLineAsync($"nodeagent releases: app '{name}' is not configured on this node");
                return (int)ExitCode.OperationFailed;
            }

            var layout = new ReleaseLayout(web.Root, name);
            var state = new DeployStateStore(config.Node.StateDir, loggers.CreateLogger<DeployStateStore>()).Load(name);
            var current = layout.Current()?.Value;
            await context.Out.WriteLineAsync($"{name}: applied sequence {state.AppliedSequence}{(state.RolledBackByHand ? " (rolled back by hand)" : string.Empty)}" +
                                             $"{(state.FailedSequence > 0 ? $"; sequence {state.FailedSequence} failed: {state.FailedReason}" : string.Empty)}");
            await context.Out.WriteLineAsync($"  {"",-9} {"release",-36} {"sequence",8}  revision");
            foreach (var release in layout.List().Reverse())
            {
                var mark = release.Value == current ? "current" : release.Value == state.PreviousRelease ? "previous" : string.Empty;
                await context.Out.WriteLineAsync($"  {mark,-9} {release.Value,-36} {release.Sequence,8}  {release.Revision}");
            }

            return (int)ExitCode.Ok;
        });
        return command;
    }
}
