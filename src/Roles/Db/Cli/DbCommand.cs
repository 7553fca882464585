using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodeAgent.Cli;
using NodeAgent.Configuration;
using NodeAgent.Dns;
using NodeAgent.Hosting;
using NodeAgent.Messaging;
using NodeAgent.Registry;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Roles.Db.Replication.Switchover;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.Cli;

/// <summary>
/// <c>nodeagent db promote [--node ID] [--epoch N] [--timeout 2m] [--json] [--force]</c>. On PostgreSQL
/// (<c>db.replication</c>): a planned switchover to a replica (docs/replication.md); without <c>--node</c>, this node
/// when it is a replica, else the most caught-up live replica. On MariaDB (<c>db.mariadb.replication</c>): this replica
/// takes the next epoch, waits for the old primary's fence and catches up (<see cref="MariaDbPromoteAction"/>,
/// docs/replication-mariadb.md). Exit 0 when the replica took over; 7 when it was refused or failed (the reason is
/// printed); 2 on bad usage.
/// </summary>
public static class DbCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("db", "Replication: promote a replica in a planned switchover.");
        var node = new Option<string?>("--node") { Description = "The replica to promote (default: this node if it is a replica, else the most caught-up)." };
        var epoch = new Option<long?>("--epoch") { Description = "Refuse unless the writers' name is at this epoch (guards against acting on a stale view)." };
        var timeout = new Option<string>("--timeout") { Description = "How long to wait for the outcome (duration, default 2m).", DefaultValueFactory = _ => "2m" };
        var json = new Option<bool>("--json") { Description = "Print the outcome as one JSON line." };
        var force = new Option<bool>("--force") { Description = "MariaDB only: promote even when the old primary, still heartbeating, did not confirm its fence in time." };
        var promote = new Command("promote", "PostgreSQL: planned switchover (the primary stops taking writes, the replica replays everything it flushed, takes the writers' name with epoch + 1 and promotes). MariaDB: this replica takes the next epoch, waits for the old primary's fence (read_only) and catches up.")
        {
            node, epoch, timeout, json, force,
        };
        promote.SetAction((parse, ct) => PromoteAsync(parse, context, parse.GetValue(node), parse.GetValue(epoch), parse.GetValue(timeout)!, parse.GetValue(json), parse.GetValue(force), ct));
        command.Subcommands.Add(promote);
        return command;
    }

    private static async Task<int> PromoteAsync(ParseResult parse, CliContext context, string? node, long? epoch, string timeoutText, bool json, bool force, CancellationToken cancellationToken)
    {
        if (node is not null && !Names.IsNodeId(node))
        {
            await context.Error.WriteLineAsync($"--node must be {Names.NodeIdHint}");
            return (int)ExitCode.Usage;
        }

        if (epoch is < 1)
        {
            await context.Error.WriteLineAsync("--epoch must be 1 or more");
            return (int)ExitCode.Usage;
        }

        if (!DurationParser.TryParse(timeoutText, out var timeout) || timeout <= TimeSpan.Zero)
        {
            await context.Error.WriteLineAsync($"--timeout expects a duration such as 90s or 2m, got '{timeoutText}'");
            return (int)ExitCode.Usage;
        }

        using var loggers = AgentLogging.CreateFactory(parse.GetValue(GlobalOptions.LogFormatOption), LogLevel.Warning);
        var (boot, code) = await BootstrapLoader.LoadAsync(parse, context, loggers, cancellationToken);
        if (boot is null)
        {
            return (int)code;
        }

        var config = boot.Config;
        if (config.SectionOrNull<DbSection>() is { MariaDb.Replication: not null } mariaDb)
        {
            if (node is not null || epoch is not null)
            {
                await context.Error.WriteLineAsync("db promote: --node and --epoch apply to PostgreSQL replication; a MariaDB replica promotes itself (run it on the replica)");
                return (int)ExitCode.Usage;
            }

            return await MariaDbPromoteAction.RunAsync(context, boot, mariaDb, loggers, timeout, force, json, cancellationToken);
        }

        if (force)
        {
            await context.Error.WriteLineAsync("db promote: --force applies to MariaDB replicas; a PostgreSQL switchover never promotes past an unfenced primary");
            return (int)ExitCode.Usage;
        }

        if (config.SectionOrNull<DbSection>() is not { Replication.Enabled: true } db || config.Dns is null)
        {
            await context.Error.WriteLineAsync($"db promote: this node's user-data ({config.Role}) has no db section with replication and a dns section; run it with a db node's user-data");
            return (int)ExitCode.Usage;
        }

        await using var services = new ServiceCollection()
            .AddSingleton(loggers)
            .AddSingleton(typeof(ILogger<>), typeof(Logger<>))
            .AddSingleton(TimeProvider.System)
            .AddSingleton(config)
            .AddSingleton(db)
            .AddObjectStore(config.Aws)
            .AddMessageQueue(config.Aws)
            .AddRegistryClient(config.Registry)
            .AddMessagePublishing(config.Queue)
            .AddDnsProvider(config)
            .AddSingleton(boot.Identity)
            .AddSingleton<SwitchoverStore>()
            .AddSingleton<IDbSwitchover, DbSwitchoverClient>()
            .BuildServiceProvider();

        var target = node;
        if (target is null)
        {
            var self = (await services.GetRequiredService<INodeRegistry>().ListAsync(config.Cluster, config.Role, cancellationToken)).Entries
                .FirstOrDefault(e => e.Record.NodeId == boot.Identity.NodeId);
            target = self?.Record.Database?.Role == DatabaseView.Replica ? boot.Identity.NodeId : null;
        }

        SwitchoverOutcome outcome;
        try
        {
            outcome = await services.GetRequiredService<IDbSwitchover>().SwitchOverAsync(
                new SwitchoverRequest { Target = target, ExpectedEpoch = epoch, Timeout = timeout, RequestedBy = "cli" }, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            await context.Error.WriteLineAsync($"db promote: {ex.Message}");
            return (int)ExitCode.Failure;
        }

        if (json)
        {
            await context.Out.WriteLineAsync(new JsonObject
            {
                ["succeeded"] = outcome.Succeeded,
                ["request_id"] = outcome.RequestId,
                ["target"] = outcome.Target,
                ["epoch"] = outcome.Epoch,
                ["timeline"] = outcome.Timeline,
                ["detail"] = outcome.Detail,
            }.ToJsonString());
        }
        else if (outcome.Succeeded)
        {
            await context.Out.WriteLineAsync($"{outcome.Target} is the primary: {outcome.Detail}");
        }
        else
        {
            await context.Error.WriteLineAsync($"db promote: {(outcome.Target is null ? string.Empty : outcome.Target + ": ")}{outcome.Detail} (request {outcome.RequestId})");
        }

        return outcome.Succeeded ? (int)ExitCode.Ok : (int)ExitCode.OperationFailed;
    }
}
