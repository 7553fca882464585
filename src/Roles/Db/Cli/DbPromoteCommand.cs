using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Hosting;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.MariaDb.Replication;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent db promote [--timeout 2m] [--force]</c> on a MariaDB replica (docs/replication-mariadb.md): takes the next
/// epoch, waits until the old primary is fenced and this replica has caught up, then stops replicating and serves writes.
/// Exit 0 when promoted; 7 when refused or failed (the reason is printed); 2 on bad usage.
/// </summary>
public static class DbPromoteCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("db", "Replication: promote this replica to primary.");
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the old primary's fence and for catching up (duration).", DefaultValueFactory = _ => "2m" };
        var force = new Option<bool>("--force") { Description = "Promote even when the old primary, still heartbeating, did not confirm its fence in time." };
        var promote = new Command("promote", "Take the next epoch, wait until the old primary is fenced (read_only) and this replica caught up, then stop replicating and serve writes.")
        {
            timeout, force,
        };
        promote.SetAction((parse, ct) => PromoteAsync(parse, context, parse.GetValue(timeout)!, parse.GetValue(force), ct));
        command.Subcommands.Add(promote);
        return command;
    }

    private static async Task<int> PromoteAsync(ParseResult parse, CliContext context, string timeoutText, bool force, CancellationToken cancellationToken)
    {
        if (!DurationParser.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
        {
            await context.Error.WriteLineAsync($"--timeout expects a duration such as 90s or 2m, got '{timeoutText}'");
            return (int)ExitCode.Usage;
        }

        using var loggers = AgentLogging.CreateFactory(LogFormat.Text, parse.GetValue(GlobalOptions.LogLevelOption));
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            return (int)code;
        }

        if (boot.Config.SectionOrNull<DbSection>() is not { MariaDb.Replication: not null } db)
        {
            await context.Error.WriteLineAsync("db promote: this node's user-data has no db.mariadb.replication (PostgreSQL replicas are promoted through db.replication)");
            return (int)ExitCode.Usage;
        }

        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddLogging()
            .AddObjectStore(boot.Config.Aws)
            .AddRegistryClient(boot.Config.Registry)
            .BuildServiceProvider();
        var promotion = new MariaDbPromotion(db.MariaDb!, boot.Config.Cluster, boot.Identity.NodeId, boot.Config.Node.StateDir,
            services.GetRequiredService<IObjectStore>(), services.GetRequiredService<INodeRegistry>(), TimeProvider.System, loggers.CreateLogger<MariaDbPromotion>());
        try
        {
            var result = await promotion.PromoteAsync(timeout, force, cancellationToken);
            await context.Out.WriteLineAsync(
                $"{result.NodeId} is the MariaDB primary at epoch {result.Epoch}; caught up to {result.CaughtUpTo ?? "-"}; {result.Previous ?? "no previous primary"} is fenced (read_only)");
            return (int)ExitCode.Ok;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"db promote: {ex.Message}");
            return (int)ExitCode.OperationFailed;
        }
    }
}
