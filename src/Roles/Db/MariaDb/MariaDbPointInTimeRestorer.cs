using System.Globalization;
using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using NodeAgent.Configuration;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using NodeAgent.Roles.Db.Backup.Encryption;
using NodeAgent.Roles.Db.Configuration;
using NodeAgent.Storage;

namespace NodeAgent.Roles.Db.MariaDb;

/// <summary>
/// <c>nodeagent backup restore --to-time T</c> on MariaDB, in one command (docs/backups.md):
/// <list type="number">
/// <item>chooses the newest complete dump that ended at or before T (it needs a recorded binlog position);</item>
/// <item>reads every shipped binlog it will replay once first, without applying anything: each must authenticate,
/// decompress to its recorded size and have an unbroken event chain; the logs must be contiguous from the dump's, and
/// must reach T (a target past the last shipped log is refused: newer events may still be on the source);</item>
/// <item>loads the dump;</item>
/// <item>streams the logs (S3 → decrypt → zstd → <c>mariadb-binlog --start-position P --stop-datetime T -</c>, one
/// process per log, the first from the dump's position) into <em>one</em> <c>mariadb</c> client session, so session
/// state carries across logs. Nothing is written to local disk.</item>
/// </list>
/// The whole restore runs with <c>sql_log_bin=0</c>: the target's own binary log and GTID state are not touched.
/// <c>gtid_strict_mode</c> (WAL-G #2556): the replayed SQL sets each transaction's GTID (<c>SET @@session.gtid_seq_no</c>),
/// which a target in strict mode refuses as out of order whenever its own GTID sequence is further along. Nothing is
/// binlogged here, so the agent turns the global setting off for the replay and puts it back afterwards (also on
/// failure); <c>mariadb-binlog --skip-gtid-strict-mode</c> accepts logs that start at a GTID other than 0-0-0.
/// Binlog events carry whole seconds: the replay stops before the first event stamped at or after T rounded down to
/// its second, so a transaction committed in the same second as a fractional T is not replayed.
/// </summary>
public sealed partial class MariaDbPointInTimeRestorer(IObjectStore store, MariaDbLayout layout, IProcessRunner processes, ILogger logger, BackupCipher? cipher = null)
{
    private readonly BackupCipher _cipher = cipher ?? BackupCipher.None;

    public async Task<PointInTimeRestore> RestoreAsync(DateTimeOffset target, string? dumpId, MariaDbConfig server, CancellationToken cancellationToken)
    {
        var stop = DateTimeOffset.FromUnixTimeSeconds(target.ToUnixTimeSeconds());
        var restorer = new MariaDbRestorer(store, layout, processes, logger, _cipher);
        var dump = await restorer.ChooseAsync(dumpId, target, cancellationToken);
        if (dump.BinlogFile is null || dump.BinlogPosition is not { } position || ShippedBinlog.TryParse(dump.BinlogFile) is not { } first)
        {
            throw new InvalidOperationException(
                $"dump {dump.Id} has no binlog position (binary logging was off when it was taken): it can be restored with 'backup restore', but not replayed to a time");
        }

        var plan = await PlanAsync(first, stop, cancellationToken);
        LogRestoring(logger, dump.Id, plan.Count, stop.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
        await restorer.LoadAsync(dump, server, binlog: false, cancellationToken);
        var client = new MariaDbClient(server);
        var strict = await client.GtidStrictModeAsync(cancellationToken);
        if (strict)
        {
            LogStrictModeOff(logger);
            await client.SetGtidStrictModeAsync(false, cancellationToken);
        }

        try
        {
            await ReplayAsync(plan, position, stop, server, cancellationToken);
        }
        finally
        {
            if (strict)
            {
                await client.SetGtidStrictModeAsync(true, CancellationToken.None);
            }
        }

        LogRestored(logger, dump.Id, plan.Count, stop.UtcDateTime.ToString("u", CultureInfo.InvariantCulture));
        return new PointInTimeRestore(dump, plan, stop);
    }

    /// <summary>The logs to replay, each read and checked once; throws when they are not contiguous or do not reach the stop.</summary>
    private async Task<IReadOnlyList<string>> PlanAsync(ShippedBinlog first, DateTimeOffset stop, CancellationToken cancellationToken)
    {
        var archive = new BinlogArchive(store, layout, _cipher);
        var shipped = (await archive.ListAsync(cancellationToken)).Where(b => b.BaseName == first.BaseName && b.Sequence >= first.Sequence).ToList();
        if (shipped.Count == 0 || shipped[0].Sequence != first.Sequence)
        {
            throw new InvalidOperationException($"binlog {first.Name}, where the dump's position is, is not in the archive ({layout.BinlogDirectory}); has it been shipped?");
        }

        var plan = new List<string>();
        DateTimeOffset? reached = null;
        for (var i = 0; i < shipped.Count; i++)
        {
            if (shipped[i].Sequence != first.Sequence + i)
            {
                throw new InvalidOperationException($"binlog {first.BaseName}.{(first.Sequence + i).ToString("D6", CultureInfo.InvariantCulture)} is missing from the archive: the logs after it cannot be replayed");
            }

            var read = await archive.CheckAsync(shipped[i].Name, cancellationToken);
            if (i > 0 && read.FirstEvent >= stop)
            {
                // This log was opened at or after the stop: nothing in it or after it is replayed, and the one before covered up to here.
                return plan;
            }

            plan.Add(shipped[i].Name);
            reached = read.LastEvent;
            if (read.LastEvent >= stop)
            {
                return plan;
            }
        }

        throw new InvalidOperationException(
            $"the shipped binlogs end at {reached:u} (last: {shipped[^1].Name}), before the target {stop:u}: newer events are not in the archive yet "
            + "(wait for the next shipping round, or FLUSH BINARY LOGS on the source), or choose an earlier target");
    }

    private async Task ReplayAsync(IReadOnlyList<string> plan, long position, DateTimeOffset stop, MariaDbConfig server, CancellationToken cancellationToken)
    {
        var archive = new BinlogArchive(store, layout, _cipher);
        var pipe = new Pipe();
        using var clientCancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var clientInput = new PrefixedReadStream("SET SESSION sql_log_bin=0;\n"u8.ToArray(), pipe.Reader.AsStream());
        var client = processes.RunAsync(new ProcessSpec(Path.Combine(server.BinDir, "mariadb"), [.. MariaDbCommandLine.Connection(server), "--binary-mode"])
        {
            Environment = MariaDbCommandLine.Environment(server),
            StandardInput = clientInput,
        }, clientCancel.Token);
        // A client that stops early must not leave the log readers blocked on a full pipe.
        _ = client.ContinueWith(t => pipe.Reader.Complete(t.Exception?.GetBaseException()), TaskScheduler.Default);
        var output = pipe.Writer.AsStream();
        var stopText = stop.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        try
        {
            for (var i = 0; i < plan.Count; i++)
            {
                var read = await archive.OpenAsync(plan[i], cancellationToken);
                await using (read.Stream)
                {
                    List<string> args = ["--skip-gtid-strict-mode", $"--stop-datetime={stopText}"];
                    if (i == 0)
                    {
                        args.Add($"--start-position={position.ToString(CultureInfo.InvariantCulture)}");
                    }

                    args.Add("-");
                    await processes.RunAsync(new ProcessSpec(Path.Combine(server.BinDir, "mariadb-binlog"), args)
                    {
                        // --stop-datetime is read in the tool's local time zone.
                        Environment = new Dictionary<string, string?> { ["TZ"] = "UTC" },
                        StandardInput = read.Stream,
                        StandardOutput = output,
                    }, cancellationToken);
                }

                LogReplayed(logger, plan[i]);
            }

            await output.DisposeAsync();
        }
        catch (Exception ex)
        {
            // Stop the client before it sees a clean end of input: a replay cut short must fail, not commit what it got.
            await clientCancel.CancelAsync();
            await pipe.Writer.CompleteAsync(ex);
            try
            {
                await client;
            }
            catch (Exception clientError) when (clientError is not OutOfMemoryException)
            {
                LogClientStopped(logger, clientError);
            }

            throw;
        }

        await client;
    }

    [LoggerMessage(EventId = 6250, Level = LogLevel.Information, Message = "Point-in-time restore: dump {Id}, then {Logs} binlog(s) up to {Stop}")]
    private static partial void LogRestoring(ILogger logger, string id, int logs, string stop);

    [LoggerMessage(EventId = 6251, Level = LogLevel.Information, Message = "Replayed binlog {Name}")]
    private static partial void LogReplayed(ILogger logger, string name);

    [LoggerMessage(EventId = 6252, Level = LogLevel.Information, Message = "Point-in-time restore complete: dump {Id} and {Logs} binlog(s), stopped before {Stop}")]
    private static partial void LogRestored(ILogger logger, string id, int logs, string stop);

    [LoggerMessage(EventId = 6254, Level = LogLevel.Information, Message = "gtid_strict_mode is on: off for the replay (nothing of it is binlogged), back on afterwards")]
    private static partial void LogStrictModeOff(ILogger logger);

    [LoggerMessage(EventId = 6253, Level = LogLevel.Warning, Message = "The mariadb client was stopped after the replay failed")]
    private static partial void LogClientStopped(ILogger logger, Exception exception);
}

/// <summary>What a point-in-time restore did: the dump, the logs replayed, and where it stopped.</summary>
public sealed record PointInTimeRestore(DumpManifest Dump, IReadOnlyList<string> Binlogs, DateTimeOffset StoppedBefore);
