using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using NodeAgent.Processes;
using NodeAgent.Roles.Db.Backup;
using Npgsql;

namespace NodeAgent.Roles.Db.Postgres;

/// <summary>
/// Proves a backup restores: restores it into a scratch directory (recovery to the backup's consistent point through
/// wal-fetch), checks it with pg_verifybackup, starts PostgreSQL on a free loopback port with archiving off and its
/// own minimal config (hot_standby off, so the primary's max_connections and friends need not be matched: the server
/// answers once recovery reached the backup's consistent point and promoted), runs a query, stops it and removes the
/// directory. Runs PostgreSQL as the database's OS user
/// when the agent is root (PostgreSQL refuses root).
/// </summary>
public sealed partial class PostgresVerifier(PostgresRestorer restorer, IProcessRunner processes, string binDir, string databaseUser, ILogger logger)
{
    public async Task<VerifyReport> VerifyAsync(string scratchRoot, string? backupId, Func<string, string> restoreCommandFor, OsUser? owner, string query, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(scratchRoot, $"nodeagent-verify-{Guid.NewGuid():N}");
        Directory.CreateDirectory(scratch);
        UnixModes.Set(scratch, UnixModes.PrivateDirectory);
        if (owner is not null && PosixOwnership.IsRoot)
        {
            PosixOwnership.Chown(scratch, owner.Uid, owner.Gid);
        }

        var data = Path.Combine(scratch, "data");
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var manifest = await restorer.RestoreAsync(new RestoreRequest
            {
                TargetDirectory = data,
                BackupId = backupId,
                Target = RecoveryTarget.Immediate,
                RestoreCommand = restoreCommandFor(scratch),
                Owner = owner,
            }, cancellationToken);
            var restoreTime = clock.Elapsed;
            await processes.RunAsync(new ProcessSpec(Path.Combine(binDir, "pg_verifybackup"), ["--no-parse-wal", "--quiet", data]) { Timeout = TimeSpan.FromMinutes(30) }, cancellationToken);

            var port = FreePort();
            var conf = Path.Combine(scratch, "verify.conf");
            var hba = Path.Combine(scratch, "verify_hba.conf");
            var ident = Path.Combine(scratch, "verify_ident.conf");
            await File.WriteAllTextAsync(conf, $"""
                port = {port}
                listen_addresses = '127.0.0.1'
                unix_socket_directories = '{scratch}'
                hba_file = '{hba}'
                ident_file = '{ident}'
                archive_mode = off
                hot_standby = off
                shared_buffers = 32MB
                logging_collector = off

                """, cancellationToken);
            await File.WriteAllTextAsync(hba, "local all all trust\nhost all all 127.0.0.1/32 trust\n", cancellationToken);
            await File.WriteAllTextAsync(ident, string.Empty, cancellationToken);
            if (owner is not null && PosixOwnership.IsRoot)
            {
                foreach (var file in new[] { conf, hba, ident })
                {
                    PosixOwnership.Chown(file, owner.Uid, owner.Gid);
                }
            }

            clock.Restart();
            var log = Path.Combine(scratch, "postgres.log");
            try
            {
                await PgCtlAsync(owner, ["-D", data, "-l", log, "-o", $"-c config_file={conf}", "-w", "-t", "600", "start"], cancellationToken);
            }
            catch (ProcessFailedException ex)
            {
                var tail = File.Exists(log) ? File.ReadAllText(log) : string.Empty;
                throw new InvalidOperationException($"PostgreSQL did not start on the restored backup {manifest.Id}: {ex.Message}\n{(tail.Length > 2000 ? tail[^2000..] : tail)}", ex);
            }

            try
            {
                var connection = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1", Port = port, Username = databaseUser, Database = "postgres", Pooling = false, Timeout = 30, GssEncryptionMode = PostgresClient.NoGssEncryption,
                }.ConnectionString;
                await using var db = await ConnectWhenRecoveredAsync(connection, cancellationToken);
                var recoveredIn = clock.Elapsed;
                string result;
                await using (var command = new NpgsqlCommand(query, db))
                {
                    result = Convert.ToString(await command.ExecuteScalarAsync(cancellationToken), CultureInfo.InvariantCulture) ?? "NULL";
                }

                await using var replay = new NpgsqlCommand("SELECT coalesce(pg_last_wal_replay_lsn(), pg_current_wal_lsn())::text", db);
                var replayed = (string)(await replay.ExecuteScalarAsync(cancellationToken))!;
                LogVerified(logger, manifest.Id, result, replayed);
                return new VerifyReport(manifest.Id, query, result, replayed, restoreTime, recoveredIn) { Timeline = manifest.Timeline };
            }
            finally
            {
                await PgCtlAsync(owner, ["-D", data, "-m", "fast", "-w", "-t", "120", "stop"], CancellationToken.None);
            }
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private async Task PgCtlAsync(OsUser? owner, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var pgCtl = Path.Combine(binDir, "pg_ctl");
        var spec = owner is not null && PosixOwnership.IsRoot
            ? new ProcessSpec("runuser", ["-u", owner.Name, "--", pgCtl, .. args])
            : new ProcessSpec(pgCtl, args);
        await processes.RunAsync(spec with { Timeout = TimeSpan.FromMinutes(15) }, cancellationToken);
    }

    /// <summary>pg_ctl returns once the postmaster runs; connections are refused (57P03) until recovery has ended.</summary>
    private static async Task<NpgsqlConnection> ConnectWhenRecoveredAsync(string connectionString, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(30));
        while (true)
        {
            var db = new NpgsqlConnection(connectionString);
            try
            {
                await db.OpenAsync(timeout.Token);
                return db;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                await db.DisposeAsync();
                await Task.Delay(200, timeout.Token);
            }
            catch
            {
                await db.DisposeAsync();
                throw;
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [LoggerMessage(EventId = 6070, Level = LogLevel.Information, Message = "Verified backup {Id}: query returned {Result}, replayed to {Lsn}")]
    private static partial void LogVerified(ILogger logger, string id, string result, string lsn);
}
